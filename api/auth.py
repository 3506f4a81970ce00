"""Personal access tokens on the API: `Authorization: Bearer mlqa_...`."""

from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer

from .models import AccessToken, token_digest

# last_used_at is written at most this often per token: not one UPDATE per request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class PersonalAccessToken(HttpBearer):
    def authenticate(self, request, token):
        found = (
            AccessToken.objects.active()
            .select_related("user")
            .filter(digest=token_digest(token), user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if (
            found.last_used_at is None
            or now - found.last_used_at > LAST_USED_RESOLUTION
        ):
            AccessToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.auth_user = found.user
        return found
