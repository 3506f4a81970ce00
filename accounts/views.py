from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from .forms import AccountDeleteForm, ProfileForm
from .models import User
from .permissions import posting_refusal, refuse
from .ratelimit import limit_message, rate_limit_exceeded
from .registry import profile_context
from .services import user_delete


def profile(request, username):
    """Public profile: name, member since, reputation and published answers. Never the e-mail."""
    member = get_object_or_404(User.objects.active(), username=username)
    context = {"member": member, **profile_context(request, member)}
    return render(request, "accounts/profile.html", context)


@login_required
def settings_edit(request):
    """The signed-in user's own settings: display name and bio.

    Both are public (the name shows on every answer), so changing them is posting: refused, with
    the reason, to suspended and unverified members, who may still read the page."""
    if request.method == "POST" and (reason := posting_refusal(request.user)):
        return refuse(request, reason)
    form = ProfileForm(request.POST or None, instance=request.user)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.success(request, "Your profile was saved.")
            return redirect("accounts:settings")
        # Each change of a name replaces the cached parts of every page the member posted on.
        if rate_limit_exceeded("profile", request.user.pk):
            form.add_error(None, limit_message("profile"))
            status = 429
        else:
            form.save()
            messages.success(request, "Your profile was saved.")
            return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form}, status=status)


@login_required
def account_delete(request):
    """Delete the signed-in user's account after they type their username."""
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user_delete(user=request.user)
        logout(request)
        messages.success(
            request,
            "Your account was deleted. Your answers stay, shown as from a deleted user.",
        )
        return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/delete.html", {"form": form}, status=status)


class SignupView(AllauthSignupView):
    """allauth's sign-up, where two identical sign-ups at one instant (both past the "username
    taken" check) give the second the form back with the reason instead of a 500."""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except IntegrityError:
            form.add_error(
                "username", "This username was taken a moment ago: choose another."
            )
            return self.form_invalid(form)


signup = SignupView.as_view()


def admin_login(request):
    """The admin's log-in is the site's (with its rate limits on failures, per account and per
    address): staff sign in there and come back; a signed-in member who is not staff gets 403."""
    next_url = request.GET.get("next", "")
    # A path on this site only (redirect() would take "999" for a view's name and fail).
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return HttpResponseRedirect(next_url)
        raise PermissionDenied("The admin is for staff only.")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
