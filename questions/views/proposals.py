from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from accounts.permissions import member_can_post_required
from accounts.ratelimit import rate_limited
from caching import BANK, LISTS, cached_value

from ..counts import topic_question_counts
from ..forms import QuestionForm, QuestionProposalForm, SimilarQuestionsForm
from ..models import Question, Status
from ..services.questions import question_edit, question_propose
from ..services.related import (
    REBUILD_ON_SAVE_LIMIT,
    similar_questions,
    similarity_index,
    stored_similarity_index,
)

PROPOSAL_FIELDS = ("title", "body", "topic", "difficulty")


def _bank_index():
    # Built from every published question's text: kept until a question or answer changes.
    # Never built in a request on a big bank: the copy the last rebuild stored is read instead
    # (REBUILD_ON_SAVE_LIMIT; None when there is none yet: nothing is listed).
    if sum(topic_question_counts().values()) > REBUILD_ON_SAVE_LIMIT:
        return stored_similarity_index()
    return cached_value("similarity-index", [LISTS, BANK], similarity_index)


def _save(form, action):
    """Run the service; its uniqueness check becomes a form error instead of a 500."""
    try:
        return action()
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None


@member_can_post_required
@rate_limited("proposal")
def question_propose_view(request):
    """Members propose a new question; it joins the bank after a moderator approves it.

    The closest questions already in the bank are shown first: as the title is typed (htmx,
    `similar_questions_view`), and without JavaScript on submit, when proposing it anyway takes
    a tick in "None of these asks my question"."""
    form = QuestionProposalForm(request.POST or None)
    similar = []
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in PROPOSAL_FIELDS}
        similar = similar_questions(
            title=fields["title"], body=fields["body"], index=_bank_index()
        )
        if similar and not form.cleaned_data["not_duplicate"]:
            return render(
                request,
                "questions/question_form.html",
                {"form": form, "similar": similar, "confirming": True},
            )
        question = _save(form, lambda: question_propose(author=request.user, **fields))
        if question is not None:
            if question.status == Status.PENDING:
                messages.success(
                    request,
                    "Thank you: your question is awaiting review by a moderator.",
                )
            return redirect(question)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "questions/question_form.html",
        {"form": form, "similar": similar},
        status=status,
    )


@require_GET
def similar_questions_view(request):
    """The published questions closest to a title being typed on the proposal form (htmx)."""
    form = SimilarQuestionsForm(request.GET)
    context = {"similar": []}
    if form.is_valid():
        context["similar"] = similar_questions(
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            index=_bank_index(),
        )
        context["not_duplicate"] = form.cleaned_data["not_duplicate"]
    return render(
        request,
        "questions/question_form.html#similar-questions",
        context,
        status=200
        if form.is_valid()
        else 400,  # longer than any title: not from the form
    )


@member_can_post_required
def question_edit_view(request, pk):
    """Moderators edit any question; the author edits their proposal while it awaits review."""
    question = get_object_or_404(Question.objects.visible_to(request.user), pk=pk)
    own_proposal = (
        question.author_id == request.user.pk and question.status == Status.PENDING
    )
    if not (request.user.is_moderator or own_proposal):
        raise PermissionDenied("Only moderators can edit questions.")
    form = QuestionForm(request.POST or None, instance=Question.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: question_edit(
                question=question, editor=request.user, **form.cleaned_data
            ),
        )
        if saved is not None:
            messages.success(request, "The question was saved.")
            return redirect(saved)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "questions/question_form.html",
        {"form": form, "question": question},
        status=status,
    )
