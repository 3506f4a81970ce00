"""What other apps tell `accounts` about their rows, filled in their AppConfig.ready() so that
`accounts`, the lowest domain app, imports none of them.

- Private data: models with a `user` foreign key whose rows are one member's own (practice
  cards, reviews, sessions, settings). Deleting an account deletes them (services.user_delete).
- Profile sections: `function(request, member) -> context` the public profile page adds
  (questions adds the member's published answers).
- Role recorders: `function(*, actor, user, is_moderator)`, called when the admin grants or
  revokes the moderator role (moderation writes the audit entry).
"""

_PRIVATE_DATA = []
_PROFILE_SECTIONS = []
_ROLE_RECORDERS = []


def register_private_data(*models) -> None:
    """These models' rows (each with a `user` foreign key) go when their member deletes their
    account, in this order (the first first: delete rows that point at later ones first)."""
    _PRIVATE_DATA.extend(model for model in models if model not in _PRIVATE_DATA)


def private_data_models() -> list:
    return list(_PRIVATE_DATA)


def register_profile_section(function) -> None:
    if function not in _PROFILE_SECTIONS:
        _PROFILE_SECTIONS.append(function)


def profile_context(request, member) -> dict:
    context = {}
    for function in _PROFILE_SECTIONS:
        context.update(function(request, member))
    return context


def register_role_recorder(function) -> None:
    if function not in _ROLE_RECORDERS:
        _ROLE_RECORDERS.append(function)


def role_changed(*, actor, user, is_moderator: bool) -> None:
    for function in _ROLE_RECORDERS:
        function(actor=actor, user=user, is_moderator=is_moderator)
