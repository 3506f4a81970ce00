import difflib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import member_can_post_required
from accounts.ratelimit import rate_limited

from ..forms import AnswerForm, DeleteForm
from ..markdown import render_markdown
from ..models import ANSWER_MAX_LENGTH, Answer, Question, Status
from ..services.answers import (
    answer_create,
    answer_delete,
    answer_edit,
    answer_restore,
)
from .deleted import delete_context, deleted_message
from .detail import question_page_context


@require_POST
@member_can_post_required
@rate_limited("answer")
def answer_create_view(request, pk):
    """Post an answer; "Preview" (without JavaScript) or an invalid form re-shows the page with the text kept."""
    question = get_object_or_404(
        Question.objects.published().select_related("topic"), pk=pk
    )
    if "preview" in request.POST:
        body = request.POST.get("body", "")[:ANSWER_MAX_LENGTH]
        form = AnswerForm(initial={"body": body})
        context = question_page_context(
            request, question, answer_form=form, answer_preview=render_markdown(body)
        )
        return render(request, "questions/question_detail.html", context)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        context = question_page_context(request, question, answer_form=form)
        return render(request, "questions/question_detail.html", context, status=400)
    answer = answer_create(
        question=question, author=request.user, body=form.cleaned_data["body"]
    )
    if answer.status == Status.PENDING:
        messages.info(
            request,
            "Your answer awaits review by a moderator: until it is approved only you can "
            "see it (marked “Awaiting review”).",
        )
    else:
        messages.success(request, "Your answer was posted.")
    return redirect(answer.get_absolute_url())


@require_POST
@member_can_post_required
def answer_preview(request):
    """The live preview (htmx): the Markdown rendered exactly as it will be stored.

    Only for members who may post: nobody else has an answer to preview (and it is not a free
    Markdown renderer for anonymous visitors)."""
    html = render_markdown(request.POST.get("body", "")[:ANSWER_MAX_LENGTH])
    return render(
        request, "questions/includes/answer_preview.html", {"answer_preview": html}
    )


def _editable_answer(request, pk):
    answer = get_object_or_404(
        Answer.objects.visible_to(request.user).select_related(
            "question", "question__topic"
        ),
        pk=pk,
    )
    if not answer.is_editable_by(request.user):
        raise PermissionDenied
    return answer


@member_can_post_required
def answer_edit_view(request, pk):
    """Authors (and moderators) edit an answer; each saved change becomes a revision."""
    answer = _editable_answer(request, pk)
    form = AnswerForm(request.POST or None, instance=answer)
    preview = None
    if request.method == "POST":
        if "preview" in request.POST:
            preview = render_markdown(request.POST.get("body", "")[:ANSWER_MAX_LENGTH])
        elif form.is_valid():
            answer_edit(
                answer=answer, editor=request.user, body=form.cleaned_data["body"]
            )
            messages.success(request, "Your edit was saved.")
            return redirect(answer.get_absolute_url())
    status = 400 if request.method == "POST" and preview is None else 200
    return render(
        request,
        "questions/answer_edit.html",
        {"answer": answer, "form": form, "answer_preview": preview},
        status=status,
    )


@member_can_post_required
def answer_delete_view(request, pk):
    """Delete an answer, after a confirmation page (a plain form: no JavaScript needed).

    Authors restore their own deletion within AUTHOR_RESTORE_WINDOW; a moderator's deletion of
    someone else's answer (reference answers too) is audited with its reason."""
    answer = get_object_or_404(
        Answer.objects.visible_to(request.user).select_related(
            "question", "author", "source"
        ),
        pk=pk,
    )
    if not answer.is_editable_by(request.user):
        raise PermissionDenied("Only its author or a moderator can delete this answer.")
    form = DeleteForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        answer_delete(
            answer=answer, by=request.user, reason=form.cleaned_data["reason"]
        )
        deleted_message(request, answer)
        return redirect(answer.question)
    return render(
        request,
        "questions/delete_confirm.html",
        delete_context(request, answer, form),
        status=400 if form.is_bound else 200,
    )


@require_POST
@member_can_post_required
def answer_restore_view(request, pk):
    """Its author brings back an answer they deleted, within the restore window."""
    answer = get_object_or_404(
        Answer.objects.restorable_by(request.user).select_related("question"), pk=pk
    )
    answer_restore(answer=answer)
    messages.success(request, "Your answer is back.")
    return redirect(answer.get_absolute_url())


def answer_history(request, pk):
    """Every revision of an answer, each shown as a line diff against the one before."""
    answer = get_object_or_404(
        Answer.objects.visible_to(request.user).select_related("question", "author"),
        pk=pk,
    )
    revisions = list(answer.revisions.select_related("editor"))
    previous = ""
    for revision in revisions:
        revision.diff_lines = _diff_lines(previous, revision.body)
        previous = revision.body
    revisions.reverse()
    return render(
        request,
        "questions/answer_history.html",
        {"answer": answer, "revisions": revisions},
    )


def _diff_lines(old, new):
    """(kind, text) pairs for a readable unified diff: kind is "add", "del", "hunk" or "same"."""
    lines = []
    for line in list(
        difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
    )[2:]:
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        lines.append((kind, line[1:] if kind != "hunk" else "…"))
    return lines
