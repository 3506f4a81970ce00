from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import member_can_post_required
from accounts.ratelimit import limit_message, rate_limit_exceeded, rate_limited

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
def answer_create_view(request, pk):
    """Post an answer; "Preview" (without JavaScript) or an invalid form re-shows the page with the text kept.

    Over a rate limit the page comes back with the text and the reason (429), never without it."""
    question = get_object_or_404(
        Question.objects.published().select_related("topic"), pk=pk
    )
    if not question.accepts_answers:
        # Closed while the member wrote: the page says so and gives their text back.
        form = AnswerForm(request.POST)
        form.is_valid()
        context = question_page_context(request, question, answer_form=form)
        return render(request, "questions/question_detail.html", context, status=403)
    if "preview" in request.POST:
        body = request.POST.get("body", "")[:ANSWER_MAX_LENGTH]
        form = AnswerForm(initial={"body": body})
        if rate_limit_exceeded("preview", request.user.pk):
            form = AnswerForm(request.POST)
            form.is_valid()
            form.add_error(None, limit_message("preview"))
            context = question_page_context(request, question, answer_form=form)
            return render(
                request, "questions/question_detail.html", context, status=429
            )
        context = question_page_context(
            request, question, answer_form=form, answer_preview=render_markdown(body)
        )
        return render(request, "questions/question_detail.html", context)
    form = AnswerForm(request.POST)
    valid = form.is_valid()
    if valid and rate_limit_exceeded("answer", request.user.pk):
        form.add_error(None, limit_message("answer"))
        context = question_page_context(request, question, answer_form=form)
        return render(request, "questions/question_detail.html", context, status=429)
    if not valid:
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
@rate_limited("preview")
def answer_preview(request):
    """The live preview (htmx): the Markdown rendered exactly as it will be stored.

    Only for members who may post: nobody else has an answer to preview (and it is not a free
    Markdown renderer for anonymous visitors). Rate limited: over the limit the reason goes to
    the page's message area and the text stays in the box."""
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
    # The author goes on from their edit awaiting review, if there is one.
    waiting = answer.revisions.pending().filter(editor=request.user).first()
    form = AnswerForm(
        request.POST or None,
        instance=answer,
        initial={"body": waiting.body} if waiting else None,
    )
    preview = None
    status = 200
    if request.method == "POST":
        status = 400
        if "preview" in request.POST:
            if rate_limit_exceeded("preview", request.user.pk):
                form.is_valid()
                form.add_error(None, limit_message("preview"))
                status = 429
            else:
                body = request.POST.get("body", "")[:ANSWER_MAX_LENGTH]
                preview = render_markdown(body)
                status = 200
        elif form.is_valid():
            if rate_limit_exceeded("edit", request.user.pk):
                form.add_error(None, limit_message("edit"))
                status = 429
            else:
                saved = answer_edit(
                    answer=answer, editor=request.user, body=form.cleaned_data["body"]
                )
                if getattr(saved, "edit_pending", None):
                    messages.success(
                        request,
                        "Your edit is awaiting review by a moderator; the approved text "
                        "stays shown until then.",
                    )
                else:
                    messages.success(request, "Your edit was saved.")
                return redirect(answer.get_absolute_url())
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
