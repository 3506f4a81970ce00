from django.conf import settings

from mlqa import pagecache


def site(request):
    """Values every page's layout needs; the unread count is only queried when a template shows it."""

    def unread_notifications():
        from questions.models import Notification

        def count():
            return Notification.objects.filter(recipient=request.user).unread().count()

        # Cached: it is in the header of every page a member reads. The notification services
        # replace the member's token; the bank's covers the demo-data generator's bulk rows, and
        # the short lifetime anything else (an admin's edit).
        return pagecache.cached_value(
            f"unread-notifications:{request.user.pk}",
            [pagecache.notifications_key(request.user.pk), pagecache.BANK],
            count,
            timeout=settings.PAGE_CACHE_SECONDS or 60,
        )

    return {
        "SITE_NAME": settings.SITE_NAME,
        "search_query": request.GET.get("q", "").replace("\x00", "")[:200],
        "unread_notifications": unread_notifications
        if request.user.is_authenticated
        else 0,
    }
