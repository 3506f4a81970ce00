from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import Answer, Comment, Notification
from .notifications import notification_send


@transaction.atomic
def comment_create(*, author, body, answer=None, question=None) -> Comment:
    """Add a comment to an answer or a question; the answer's author is told."""
    comment = Comment(author=author, body=body, answer=answer, question=question)
    comment.full_clean()
    comment.save()
    if answer is not None:
        Answer.objects.filter(pk=answer.pk).update(comment_count=F("comment_count") + 1)
        notification_send(
            recipient=answer.author,
            actor=author,
            kind=Notification.Kind.COMMENT,
            message=f"{author.public_name} commented on your answer to “{answer.question.prompt[:200]}”",
            url=comment.get_absolute_url(),
        )
    return comment


@transaction.atomic
def comment_edit(*, comment, body) -> Comment:
    comment.body = body
    comment.updated_at = timezone.now()
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def comment_delete(*, comment) -> Comment:
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.is_deleted:
        return comment
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["deleted_at"])
    if comment.answer_id:
        Answer.objects.filter(pk=comment.answer_id).update(
            comment_count=F("comment_count") - 1
        )
    return comment
