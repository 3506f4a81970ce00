"""Who may post: signed in, with a verified e-mail address. Shared by every view that writes."""

from functools import wraps

from allauth.account.models import EmailAddress
from django.contrib.auth.decorators import login_required
from django.shortcuts import render


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


def member_can_post_required(view):
    """Anonymous visitors go to the log-in page; signed-in users without a verified e-mail get a 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not has_verified_email(request.user):
            return refuse(
                request,
                "Verify your e-mail address before you post or vote: follow the link in the mail we sent you.",
            )
        return view(request, *args, **kwargs)

    return wrapper
