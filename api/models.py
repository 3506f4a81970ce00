import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "mlqa_"


def token_digest(raw_key: str) -> str:
    """What is stored of a token: its SHA-256. A token is 32 random bytes, so a fast hash is
    enough (no password stretching); a stolen table gives no working token."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


class AccessTokenQuerySet(models.QuerySet):
    def active(self):
        """Tokens that still open the API: not revoked, their member not deleted."""
        return self.filter(revoked_at__isnull=True, user__deleted_at__isnull=True)


class AccessToken(models.Model):
    """A member's personal access token for the API's personal part (their practice history
    and export). Only its digest is kept: the token itself is shown once, when it is made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(max_length=60, help_text="What the token is for.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The token's first characters, so the member can tell their tokens apart.
    hint = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="token_user_idx")]

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @property
    def is_revoked(self):
        return self.revoked_at is not None
