"""A member's own deck: import cards from CSV or Anki (.apkg) as private cards, see them,
delete one, or propose one to the bank through the moderators' queue. Theirs alone: another
member's card is a 404, and no public page, feed, search or export ever lists them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import member_can_post_required
from accounts.ratelimit import rate_limited
from questions.models import Question, QuestionStatus, Status
from questions.services.questions import question_propose

from ..bookmark_forms import DeckImportForm
from ..bookmark_services import own_card_delete, own_cards_import
from ..bookmarks import QuestionNote
from ..own_deck import MAX_OWN_CARDS
from ..services import PracticeRefused

CARDS_SHOWN = 200


def _own_cards(user):
    return Question.objects.filter(author=user, status=QuestionStatus.PRIVATE)


@login_required
@rate_limited("deck_import")
def own_deck(request):
    """The member's own cards and the import form (a failed import keeps the chosen topic)."""
    form = DeckImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                added = own_cards_import(
                    user=request.user,
                    topic=form.cleaned_data["topic"],
                    cards=form.cleaned_data["cards"],
                )
            except PracticeRefused as refused:
                form.add_error("file", refused.message)
            else:
                skipped = len(form.cleaned_data["cards"]) - added
                messages.success(
                    request,
                    f"{added} card{'s' if added != 1 else ''} added to your deck"
                    + (f" ({skipped} already in it)." if skipped else "."),
                )
                return redirect("practice:deck")
        status = 400
    cards = list(
        _own_cards(request.user)
        .select_related("topic")
        .defer("search_vector", "body_html")
        .order_by("-pk")[:CARDS_SHOWN]
    )
    backs = dict(
        QuestionNote.objects.filter(user=request.user, question__in=cards).values_list(
            "question_id", "body"
        )
    )
    for card in cards:
        card.back = backs.get(card.pk, "")
    return render(
        request,
        "practice/deck.html",
        {
            "form": form,
            "cards": cards,
            "card_count": _own_cards(request.user).count(),
            "max_cards": MAX_OWN_CARDS,
            "cards_shown": CARDS_SHOWN,
        },
        status=status,
    )


@login_required
@require_POST
@rate_limited("bookmark")
def own_card_delete_view(request, pk):
    get_object_or_404(_own_cards(request.user), pk=pk)
    own_card_delete(user=request.user, question_id=pk)
    messages.success(request, "The card was deleted, with its reviews.")
    return redirect("practice:deck")


@member_can_post_required
@require_POST
@rate_limited("proposal")
def own_card_propose(request, pk):
    """Propose one of the member's cards to the bank: a copy of its front joins the moderators'
    queue as a question (the card and its back stay private)."""
    card = get_object_or_404(_own_cards(request.user), pk=pk)
    try:
        proposal = question_propose(
            author=request.user,
            title=card.title,
            body="",
            topic=card.topic,
            difficulty=card.difficulty,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("practice:deck")
    messages.success(
        request,
        "Your question was proposed to the bank: a moderator will review it."
        if proposal.status == Status.PENDING
        else "Your question was added to the bank.",
    )
    return redirect(proposal)
