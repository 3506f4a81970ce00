"""Who else hears of an edit or a deletion of someone's post: functions that other apps
(moderation's audit log) register in their AppConfig.ready(), so that questions imports none of
them."""

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


def register_delete_recorder(function) -> None:
    """`function(*, moderator, post, reason)` is called after each deletion of an answer or
    comment (`moderator`: who deleted it, who may be its author)."""
    if function not in _DELETE_RECORDERS:
        _DELETE_RECORDERS.append(function)


def delete_recorded(*, by, post, reason="") -> None:
    for function in _DELETE_RECORDERS:
        function(moderator=by, post=post, reason=reason)
