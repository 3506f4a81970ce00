from django.db import transaction
from django.utils import timezone

from .models import MailPreferences
from .unsubscribe import unsubscribe


@transaction.atomic
def preferences_save(form) -> MailPreferences:
    """Save the settings page's form. A reminder or digest switched on starts with the next
    slot, not with one already past today."""
    preferences = form.save(commit=False)
    now = timezone.now()
    if "reminder" in form.changed_data and preferences.reminder:
        preferences.reminder_done_at = now
    if "digest" in form.changed_data and preferences.digest:
        preferences.digest_done_at = now
    preferences.save()
    return preferences


@transaction.atomic
def unsubscribe_member(*, user_id: int, mail_list: str) -> None:
    preferences, _ = MailPreferences.objects.select_for_update().get_or_create(
        user_id=user_id
    )
    unsubscribe(preferences, mail_list)
    preferences.save()
