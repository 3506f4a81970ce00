from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import refuse

from .forms import AccessTokenForm
from .models import AccessToken
from .services import TooManyTokens, token_create, token_revoke


@login_required
def token_list(request):
    """The member's personal access tokens for the API; a new one is shown once, here."""
    form = AccessTokenForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_key = token_create(
                    user=request.user, name=form.cleaned_data["name"]
                )
            except TooManyTokens as error:
                return refuse(request, str(error), status=400)
            form = AccessTokenForm()
        else:
            status = 400
    tokens = AccessToken.objects.filter(user=request.user)
    context = {"form": form, "tokens": tokens, "new_key": new_key}
    return render(request, "api/tokens.html", context, status=status)


@login_required
@require_POST
def token_revoke_view(request, pk):
    """Revoke one of the member's own tokens (another's is a 404)."""
    token = get_object_or_404(AccessToken, pk=pk, user=request.user)
    token_revoke(token=token)
    messages.success(request, f"The token “{token.name}” no longer opens the API.")
    return redirect("tokens:list")
