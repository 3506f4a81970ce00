import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .models import TOKEN_PREFIX, AccessToken, token_digest

MAX_ACTIVE_TOKENS = 10


class TooManyTokens(Exception):
    pass


@transaction.atomic
def token_create(*, user, name) -> tuple[AccessToken, str]:
    """A new personal access token for `user`: the row, and the token itself (shown once)."""
    # The member's row locked: two requests at once can't both pass the count.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if AccessToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS:
        raise TooManyTokens(
            f"You have {MAX_ACTIVE_TOKENS} tokens already: revoke one first."
        )
    raw_key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(
        user=user, name=name, digest=token_digest(raw_key), hint=raw_key[:10]
    )
    token.full_clean()
    token.save()
    return token, raw_key


@transaction.atomic
def token_revoke(*, token) -> AccessToken:
    """The token stops opening the API at once (kept, revoked, so the list shows it)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
