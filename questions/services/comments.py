from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.trust import post_needs_review

from ..models import Comment, CommentRevision, Notification, Status
from .counters import answer_comment_count_refresh
from .edits import delete_recorded, edit_needs_review, edit_queue, edit_recorded
from .notifications import notification_send


def comment_published(*, comment) -> None:
    """What publishing a comment sets off, at creation or when a moderator approves it."""
    if comment.author_id:
        User.objects.filter(pk=comment.author_id).update(
            approved_post_count=F("approved_post_count") + 1
        )
    if comment.answer_id is None:
        return
    answer = comment.answer
    answer_comment_count_refresh(answer.pk)
    notification_send(
        recipient=answer.author,
        actor=comment.author,
        kind=Notification.Kind.COMMENT,
        message=f"{comment.author.public_name} commented on your answer to “{answer.question.prompt[:200]}”",
        url=comment.get_absolute_url(),
    )


def comment_visibility_changed(*, comment) -> None:
    if comment.answer_id:
        answer_comment_count_refresh(comment.answer_id)


@transaction.atomic
def comment_create(*, author, body, answer=None, question=None) -> Comment:
    """Add a comment to an answer or a question. New members' comments wait for review."""
    status = Status.PENDING if post_needs_review(author) else Status.PUBLISHED
    comment = Comment(
        author=author, body=body, answer=answer, question=question, status=status
    )
    comment.full_clean()
    comment.save()
    CommentRevision.objects.create(
        comment=comment,
        number=1,
        editor=author,
        body=body,
        created_at=comment.created_at,
    )
    if status == Status.PUBLISHED:
        comment_published(comment=comment)
    return comment


@transaction.atomic
def comment_edit(*, comment, body, editor=None, audited=True) -> Comment:
    """Change a comment's text; every change is kept as a revision. An author whose posts
    still wait for review stores the edit for a moderator instead (see answer_edit); a
    rollback writes its own audit entry (audited=False)."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if edit_needs_review(post=comment, editor=editor or comment.author):
        comment.edit_pending = edit_queue(
            post=comment,
            revisions=comment.revisions,
            editor=editor or comment.author,
            body=body,
            number=comment.revisions.count() + 1,
            now=timezone.now(),
        )
        return comment
    if body == comment.body:
        return comment
    comment.body = body
    comment.updated_at = timezone.now()
    comment.full_clean()
    comment.save()
    number = comment.revisions.count() + 1
    CommentRevision.objects.create(
        comment=comment,
        number=number,
        editor=editor or comment.author,
        body=body,
        created_at=comment.updated_at,
    )
    if editor is not None and audited:
        edit_recorded(editor=editor, post=comment)
    return comment


@transaction.atomic
def comment_delete(*, comment, by=None, reason="") -> Comment:
    """Soft-delete a comment (see answer_delete: the author may restore it for a while; a
    moderator's deletion of someone else's comment is audited)."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.is_deleted:
        return comment
    comment.deleted_at = timezone.now()
    comment.deleted_by = by
    comment.save(update_fields=["deleted_at", "deleted_by"])
    comment_visibility_changed(comment=comment)
    if by is not None:
        delete_recorded(by=by, post=comment, reason=reason)
    return comment


@transaction.atomic
def comment_restore(*, comment) -> Comment:
    """Bring a deleted comment back as it was; who may is the caller's check."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if not comment.is_deleted:
        return comment
    comment.deleted_at = None
    comment.deleted_by = None
    comment.save(update_fields=["deleted_at", "deleted_by"])
    comment_visibility_changed(comment=comment)
    return comment
