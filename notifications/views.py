from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .forms import MailPreferencesForm
from .models import MailPreferences
from .services import preferences_save, unsubscribe_member
from .unsubscribe import LISTS, read_token


@login_required
def preferences_edit(request):
    """Which mails the signed-in member gets, and when."""
    form = MailPreferencesForm(
        request.POST or None, instance=MailPreferences.for_user(request.user)
    )
    if request.method == "POST":
        if form.is_valid():
            preferences_save(form)
            messages.success(request, "Your mail settings were saved.")
            return redirect("notifications:preferences")
        return render(
            request, "notifications/preferences.html", {"form": form}, status=400
        )
    return render(request, "notifications/preferences.html", {"form": form})


# RFC 8058: a mail client unsubscribes with a POST of "List-Unsubscribe=One-Click" to the
# link, without cookies or a CSRF token; the signed token is the proof. A GET (a person clicking
# the link, or a scanner following it) only shows the confirmation page.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    parsed = read_token(token)
    if parsed is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=404)
    user_id, mail_list = parsed
    member = (
        get_user_model().objects.filter(pk=user_id, deleted_at__isnull=True).first()
    )
    context = {"description": LISTS[mail_list], "token": token, "member": member}
    if request.method == "POST":
        if member is not None:
            unsubscribe_member(user_id=member.pk, mail_list=mail_list)
        return render(request, "notifications/unsubscribed.html", context)
    return render(request, "notifications/unsubscribe.html", context)
