"""The audit log's writer, used by every moderation action and by services that moderators use."""

from accounts.models import User
from questions.models import Answer, Comment, Question

from .models import AuditLogEntry, Flag


def post_kind(post) -> str:
    return {
        Answer: "answer",
        Comment: "comment",
        Question: "question",
        User: "user",
        Flag: "flag",
    }[type(post)]


def post_label(post) -> str:
    if isinstance(post, Question):
        return post.title[:200]
    if isinstance(post, User):
        return post.username
    if isinstance(post, Answer):
        return f"Answer to “{post.question.title[:150]}”"
    if isinstance(post, Comment):
        return f"Comment: {post.body[:150]}"
    return str(post)[:200]


def audit(*, actor, action, target, reason=""):
    """Append one entry to the audit log (actor None: the site's own rules acted)."""
    url = target.get_absolute_url() if hasattr(target, "get_absolute_url") else ""
    return AuditLogEntry.objects.create(
        actor=actor,
        action=action,
        target_type=post_kind(target),
        target_id=target.pk,
        target_label=post_label(target),
        target_url=url,
        reason=reason[:2000],
    )


def moderator_edit_recorded(*, moderator, post):
    """Moderators' edits of others' posts are audited (the edit itself is a revision)."""
    if (
        moderator is not None
        and moderator.is_moderator
        and getattr(post, "author_id", None) != moderator.pk
    ):
        audit(actor=moderator, action=AuditLogEntry.Action.EDIT, target=post)


def moderator_delete_recorded(*, moderator, post, reason=""):
    """A moderator's deletion of someone else's post is audited (their own is just deleted)."""
    if (
        moderator is not None
        and moderator.is_moderator
        and getattr(post, "author_id", None) != moderator.pk
    ):
        audit(
            actor=moderator,
            action=AuditLogEntry.Action.DELETE,
            target=post,
            reason=reason,
        )


def role_change_recorded(*, actor, user, is_moderator):
    """The admin granted or revoked the moderator role (moderator_set audits its own)."""
    audit(
        actor=actor,
        action=AuditLogEntry.Action.ROLE_GRANT
        if is_moderator
        else AuditLogEntry.Action.ROLE_REVOKE,
        target=user,
        reason="in the admin",
    )
