"""A member's cards: one card's page, and what can be done to cards (suspend, unsuspend, bury,
forget, set the due date), from the card's page, the card browser or a leech notice."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from ..forms import CardActionForm
from ..models import Card
from ..scheduling import retrievability
from ..selectors import practice_settings
from ..services import CardAction, cards_apply

DONE = {
    CardAction.SUSPEND: "suspended: it will not come in any mode until you unsuspend it",
    CardAction.UNSUSPEND: "unsuspended",
    CardAction.BURY: "buried until tomorrow",
    CardAction.FORGET: "forgotten: new again (its reviews are kept in your history)",
    CardAction.SET_DUE: "rescheduled",
}


def _card_page(request, card, *, form=None, status=200):
    now = timezone.now()
    recall = retrievability(card.stability, card.last_review, now, card.decay)
    settings = practice_settings(request.user)
    return render(
        request,
        "practice/card_detail.html",
        {
            "card": card,
            "question": card.question,
            "reviews": card.reviews.counted().order_by("-reviewed_at", "-id"),
            "recall_percent": None if recall is None else round(recall * 100),
            "is_due": card.due <= now,
            "is_buried": card.is_buried(now),
            "is_leech": card.is_leech(settings.leech_threshold),
            "leech_threshold": settings.leech_threshold,
            "action_form": form or CardActionForm(card_ids=[card.pk]),
        },
        status=status,
    )


def _own_card(request, pk):
    return get_object_or_404(
        Card.objects.select_related("question__topic"), pk=pk, user=request.user
    )


@login_required
@require_safe
def card_detail(request, pk):
    """One of the user's cards: its FSRS state, every review of it, and what can be done to it."""
    return _card_page(request, _own_card(request, pk))


@login_required
@require_POST
def card_action(request, pk):
    """Suspend, unsuspend, bury, forget or set the due date of one of the member's cards."""
    card = _own_card(request, pk)
    data = request.POST.copy()
    data.setlist("cards", [str(card.pk)])
    form = CardActionForm(data, card_ids=[card.pk])
    if not form.is_valid():
        return _card_page(request, card, form=form, status=400)
    action = form.cleaned_data["action"]
    changed = cards_apply(
        user=request.user,
        card_ids=[card.pk],
        action=action,
        due_date=form.cleaned_data["due_date"],
    )
    if changed:
        messages.success(request, f"The card was {DONE[action]}.")
    else:
        messages.info(request, "Nothing to change: the card already was so.")
    return redirect(_next_or(request, card.get_absolute_url()))


def _next_or(request, default):
    """Where the form asked to go back to (a page of this site only), else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
