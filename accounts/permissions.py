"""Who may post: signed in, with a verified e-mail address, not suspended. Shared by every view that writes."""

from functools import wraps

from allauth.account.models import EmailAddress
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.timezone import localtime


def has_verified_email(user) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_has_verified_email", None)
    if cached is None:
        cached = user._has_verified_email = EmailAddress.objects.filter(
            user=user, verified=True
        ).exists()
    return cached


def refuse(request, reason, status=403):
    """A clear refusal in the site layout (403 by default).

    htmx requests get just the message, swapped into the page's message area rather than into
    the element that asked (a vote box must not be replaced by an error).
    """
    if getattr(request, "htmx", False):
        response = render(
            request, "errors/refusal_fragment.html", {"reason": reason}, status=status
        )
        response["HX-Retarget"] = "#htmx-messages"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "errors/403.html", {"reason": reason}, status=status)


def posting_refusal(user):
    """Why this signed-in member may not post, vote, comment or flag right now, or None."""
    if user.is_suspended:
        until = date_format(localtime(user.suspended_until), "j F Y, H:i")
        return (
            f"Your account is suspended until {until}: {user.suspension_reason}. "
            "You can read, but not post, vote, comment or flag."
        )
    if not has_verified_email(user):
        return "Verify your e-mail address before you post or vote: follow the link in the mail we sent you."
    return None


def member_can_post_required(view):
    """Anonymous visitors go to the log-in page; unverified or suspended members get a 403 saying why."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        reason = posting_refusal(request.user)
        if reason:
            return refuse(request, reason)
        return view(request, *args, **kwargs)

    return wrapper
