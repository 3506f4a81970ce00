"""A member's cards: one card's page, and what can be done to cards (suspend, unsuspend, bury,
forget, set the due date), from the card's page, the card browser or a leech notice."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from ..filters import CardFilter, browsed_cards
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


BROWSER_PAGE_SIZE = 50


@login_required
def card_browser(request):
    """Every card of the member, filtered and sorted, with bulk actions on the ticked ones.

    GET filters (the query string); POST applies an action to the ticked cards, then comes back
    to the same filtered page. Without JavaScript: plain forms."""
    now = timezone.now()
    settings = practice_settings(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    filters = CardFilter(
        request.GET or None,
        queryset=browsed_cards(request.user),
        now=now,
        leech_threshold=settings.leech_threshold,
    )
    form, status = None, 200
    if request.method == "POST":
        own = Card.objects.filter(user=request.user).values_list("pk", flat=True)
        form = CardActionForm(request.POST, card_ids=list(own))
        if form.is_valid():
            action = form.cleaned_data["action"]
            changed = cards_apply(
                user=request.user,
                card_ids=form.cleaned_data["cards"],
                action=action,
                due_date=form.cleaned_data["due_date"],
                now=now,
            )
            ticked = len(form.cleaned_data["cards"])
            messages.success(
                request,
                f"{changed} of {ticked} card{'s' if ticked != 1 else ''} {DONE[action]}."
                if changed
                else "Nothing to change: the ticked cards already were so.",
            )
            return redirect(request.get_full_path())
        status = 400
    cards = filters.qs if filters.is_valid() else browsed_cards(request.user)
    paginator = Paginator(cards, BROWSER_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    ticked = set(form.data.getlist("cards")) if form is not None else set()
    return render(
        request,
        "practice/cards.html",
        {
            "filters": filters,
            "page": page,
            "page_numbers": paginator.get_elided_page_range(page.number),
            "query_string": query.urlencode(),
            "action_form": form or CardActionForm(),
            "ticked": ticked,
            "now": now,
            "leech_threshold": settings.leech_threshold,
        },
        status=status,
    )
