"""The mails themselves: plain text and HTML from templates, every link on the site's public
address (SITE_URL), and the one-click unsubscribe of RFC 8058 in the body and the headers."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.site import site_url
from practice.models import Review
from practice.selectors import card_rows
from questions.models import Notification, Question

from .unsubscribe import LISTS, unsubscribe_url

KIND_TITLES = {
    "answer": "New answers on questions you follow",
    "comment": "Comments on your posts",
    "canonical": "Your answers marked canonical",
    "moderation": "Moderators' decisions",
}


def compose(user, *, mail_list, subject, template, context) -> EmailMultiAlternatives:
    """A mail to `user` from `notifications/mail/<template>.txt` and `.html`, whose unsubscribe
    link stops `mail_list`."""
    base = site_url()
    unsubscribe = unsubscribe_url(user.pk, mail_list)
    context = {
        **context,
        "member": user,
        "site_url": base,
        "site_name": settings.SITE_NAME,
        "unsubscribe_url": unsubscribe,
        "preferences_url": base + reverse("notifications:preferences"),
        "list_description": LISTS[mail_list],
    }
    message = EmailMultiAlternatives(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=render_to_string(f"notifications/mail/{template}.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(
        render_to_string(f"notifications/mail/{template}.html", context), "text/html"
    )
    return message


def notifications_mail(user, notifications, *, mail_list):
    """Several notifications in one mail: at once (one kind) or a summary (`daily`, `weekly`)."""
    base = site_url()
    groups = {}
    for notification in notifications:
        groups.setdefault(notification.kind, []).append(
            {
                "message": notification.message,
                "url": base + reverse("notification-open", args=[notification.pk]),
                "created_at": notification.created_at,
            }
        )
    sections = [
        {"title": KIND_TITLES[kind], "items": items}
        for kind, items in groups.items()
        if kind in KIND_TITLES
    ]
    count = len(notifications)
    if mail_list in ("daily", "weekly"):
        subject = (
            f"Your {mail_list} summary: {count} new notification{'s' * (count != 1)}"
        )
    elif count == 1:
        subject = notifications[0].message
    else:
        subject = f"{count} × {KIND_TITLES[mail_list].lower()}"
    return compose(
        user,
        mail_list=mail_list,
        subject=subject,
        template="notifications",
        context={
            "sections": sections,
            "count": count,
            "summary": mail_list in ("daily", "weekly"),
            "inbox_url": base + reverse("notifications"),
        },
    )


def due_count(user, *, now) -> int:
    """Reviews due now: the practice home's count (live cards due at `now`)."""
    return sum(1 for row in card_rows(user) if row["live"] and row["due"] <= now)


def reminder_mail(user, *, due: int):
    base = site_url()
    return compose(
        user,
        mail_list="reminder",
        subject=f"{due} review{'s' * (due != 1)} {'are' if due != 1 else 'is'} due",
        template="reminder",
        context={"due": due, "practice_url": base + reverse("practice:home")},
    )


def digest_mail(user, *, now):
    base = site_url()
    week_ago = now - timedelta(days=7)
    new_questions = Question.objects.published().filter(created_at__gte=week_ago)
    questions = [
        {"title": question.title, "url": base + question.get_absolute_url()}
        for question in new_questions.order_by("-created_at")[:5]
    ]
    return compose(
        user,
        mail_list="digest",
        subject="Your week on MLQA",
        template="digest",
        context={
            "new_question_count": new_questions.count(),
            "questions": questions,
            "reviews_done": Review.objects.filter(
                user=user, reviewed_at__gte=week_ago
            ).count(),
            "due": due_count(user, now=now),
            "unread": Notification.objects.filter(recipient=user).unread().count(),
            "practice_url": base + reverse("practice:home"),
            "questions_url": base + reverse("questions:list"),
            "inbox_url": base + reverse("notifications"),
        },
    )
