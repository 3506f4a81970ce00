"""Edits of posts: which ones wait for review, and who else hears of an edit or a deletion of
someone's post (functions that other apps, moderation's audit log, register in their
AppConfig.ready(), so that questions imports none of them)."""

from accounts.trust import post_needs_review

from ..models import Status

_EDIT_RECORDERS = []
_DELETE_RECORDERS = []


def register_edit_recorder(function) -> None:
    """`function(*, moderator, post)` is called after each edit of a question, answer or comment
    (`moderator`: the editor, who may be the author or no one)."""
    if function not in _EDIT_RECORDERS:
        _EDIT_RECORDERS.append(function)


def edit_recorded(*, editor, post) -> None:
    for function in _EDIT_RECORDERS:
        function(moderator=editor, post=post)


def edit_needs_review(*, post, editor) -> bool:
    """An author whose posts still wait for review can't change a published post's text alone
    (that would publish unreviewed text): their edit waits for a moderator, and the approved
    text stays shown meanwhile, as on Stack Exchange. A post still awaiting review is edited in
    place (the moderator reads its latest text); moderators' edits never wait."""
    return (
        editor is not None
        and post.author_id == editor.pk
        and post.status == Status.PUBLISHED
        and post_needs_review(editor)
    )


def edit_queue(*, post, revisions, editor, body, number, now):
    """Store `body` as the post's one edit awaiting review (replacing the text of one already
    waiting). Returns the pending revision, or None when the text is the published one."""
    pending = revisions.select_for_update().pending().first()
    if body == post.body:
        return pending
    if pending is None:
        return revisions.create(
            number=number,
            editor=editor,
            body=body,
            status=Status.PENDING,
            created_at=now,
        )
    if pending.body != body:
        pending.body, pending.created_at = body, now
        pending.save(update_fields=["body", "created_at"])
    return pending


def register_delete_recorder(function) -> None:
    """`function(*, moderator, post, reason)` is called after each deletion of an answer or
    comment (`moderator`: who deleted it, who may be its author)."""
    if function not in _DELETE_RECORDERS:
        _DELETE_RECORDERS.append(function)


def delete_recorded(*, by, post, reason="") -> None:
    for function in _DELETE_RECORDERS:
        function(moderator=by, post=post, reason=reason)
