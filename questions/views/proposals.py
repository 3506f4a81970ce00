from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from accounts.permissions import member_can_post_required
from accounts.ratelimit import rate_limited

from ..forms import QuestionForm
from ..models import Question, Status
from ..services.questions import question_edit, question_propose


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
    """Members propose a new question; it joins the bank after a moderator approves it."""
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        question = _save(
            form, lambda: question_propose(author=request.user, **form.cleaned_data)
        )
        if question is not None:
            if question.status == Status.PENDING:
                messages.success(
                    request,
                    "Thank you: your question is awaiting review by a moderator.",
                )
            return redirect(question)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "questions/question_form.html", {"form": form}, status=status
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
