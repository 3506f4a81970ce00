from django.db import transaction
from django.utils import timezone

from caching import rows_changed

from ..models import Notification, QuestionFollow


def notification_send(*, recipient, kind, message, url, actor=None):
    """Tell one user something happened, unless they did it themselves or their account is gone."""
    if (
        recipient is None
        or recipient.is_deleted
        or (actor is not None and recipient.pk == actor.pk)
    ):
        return None
    notification = Notification.objects.create(
        recipient=recipient, actor=actor, kind=kind, message=message[:300], url=url
    )
    return notification


def notify_new_answer(*, answer):
    """Followers of the question hear about a new answer (answerers follow automatically)."""
    followers = (
        QuestionFollow.objects.filter(question=answer.question)
        .exclude(user=answer.author)
        .filter(user__deleted_at__isnull=True)
        .values_list("user_id", flat=True)
    )
    message = f"New answer on “{answer.question.prompt[:200]}”"
    created = Notification.objects.bulk_create(
        Notification(
            recipient_id=user_id,
            actor=answer.author,
            kind=Notification.Kind.ANSWER,
            message=message,
            url=answer.get_absolute_url(),
        )
        for user_id in followers
    )
    rows_changed(Notification, created)  # no signal for bulk rows


@transaction.atomic
def question_follow_toggle(*, user, question) -> bool:
    """Follow or unfollow a question; returns whether the user now follows it."""
    deleted, _ = QuestionFollow.objects.filter(user=user, question=question).delete()
    if deleted:
        return False
    QuestionFollow.objects.get_or_create(user=user, question=question)
    return True


def notifications_mark_read(*, user, ids=None) -> int:
    unread = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    marked = unread.update(read_at=timezone.now())
    if marked:  # no signal for an UPDATE: the rows stand for their recipient
        rows_changed(Notification, [Notification(recipient=user)], fields=["read_at"])
    return marked
