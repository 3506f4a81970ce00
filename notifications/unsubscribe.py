"""One-click unsubscribe links: signed, so that a link from a mail needs no log-in and cannot be
forged for another member, and permanent, since an old mail's link must still work."""

from django.core import signing
from django.urls import reverse

from accounts.site import site_url

from .models import KIND_FIELDS, Frequency, MailPreferences

SALT = "mlqa.notifications.unsubscribe"

# What each kind of mail's link stops ("list" in RFC 8058's words), and how the page says it.
LISTS = {
    "answer": "mails about new answers on questions you follow",
    "comment": "mails about comments on your posts",
    "canonical": "mails when your answer is marked canonical",
    "moderation": "mails about moderators' decisions on your posts",
    "daily": "the daily summary",
    "weekly": "the weekly summary",
    "reminder": "the reminder when reviews are due",
    "digest": "the weekly digest",
}


def unsubscribe_token(user_id: int, mail_list: str) -> str:
    # A Signer, not dumps(): no timestamp, so a member's link for a list is always the same.
    return signing.Signer(salt=SALT).sign_object([user_id, mail_list], compress=True)


def read_token(token: str) -> tuple[int, str] | None:
    """(member id, list) from a token, or None when it was not made by us."""
    try:
        user_id, mail_list = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or mail_list not in LISTS:
        return None
    return user_id, mail_list


def unsubscribe_url(user_id: int, mail_list: str) -> str:
    token = unsubscribe_token(user_id, mail_list)
    return site_url() + reverse("notifications:unsubscribe", args=[token])


def unsubscribe(preferences: MailPreferences, mail_list: str) -> None:
    """Stop one list on these preferences (the caller saves them)."""
    if mail_list in KIND_FIELDS:
        setattr(preferences, KIND_FIELDS[mail_list], Frequency.OFF)
    elif mail_list in ("daily", "weekly"):
        for kind in preferences.kinds_at(mail_list):
            setattr(preferences, KIND_FIELDS[kind], Frequency.OFF)
    else:
        setattr(preferences, mail_list, False)
