from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from .forms import AccountDeleteForm, ProfileForm
from .models import User
from .permissions import posting_refusal, refuse
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
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile was saved.")
        return redirect("accounts:settings")
    status = 400 if request.method == "POST" else 200
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
