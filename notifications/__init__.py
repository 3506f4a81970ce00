"""Mail a member wants, and can stop: per-member preferences for each kind of notification
(off, at once, in a daily or a weekly summary), the daily "reviews are due" reminder at the
member's hour in their time zone, the weekly digest, and the one-click unsubscribe every mail
carries (RFC 8058). Mails are built and queued by jobs the worker runs (`jobs`), found due by
the scheduler (`manage.py send_scheduled_mail`, notifications.schedule)."""
