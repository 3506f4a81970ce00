from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import member_can_post_required
from accounts.ratelimit import limit_message, rate_limit_exceeded, rate_limited

from ..forms import CommentForm, DeleteForm
from ..models import Answer, Comment, Question, Status
from ..services.comments import (
    comment_create,
    comment_delete,
    comment_edit,
    comment_restore,
)
from .deleted import delete_context, deleted_message


def _render_thread(request, *, answer=None, question=None, form=None, status=200):
    """The comment thread of one answer or question: the htmx partial after a change."""
    target = answer or question
    comments = target.comments.visible_to(request.user).select_related("author")
    context = {
        "comments": comments,
        "answer": answer,
        "question": question,
        "comment_form": form or CommentForm(),
    }
    return render(
        request,
        "questions/includes/comments.html#comment-thread",
        context,
        status=status,
    )


def _comment_form(request, *, answer=None, question=None):
    """The form to comment with, asked for by the card's "Add a comment" link: in place (htmx)
    or as its own page (without JavaScript)."""
    target = answer or question
    if request.htmx:
        kind = "answer" if answer else "question"
        url_name = (
            "questions:answer-comment" if answer else "questions:question-comment"
        )
        return render(
            request,
            "questions/includes/comments.html#comment-form",
            {
                "answer": answer,
                "question": question,
                "comment_form": CommentForm(),
                "comment_url": reverse(url_name, args=[target.pk]),
                "target_kind": kind,
                "target_id": target.pk,
            },
        )
    return render(
        request,
        "questions/comment_form.html",
        {"form": CommentForm(), "target": target, "answer": answer},
    )


def _comment_on(request, *, answer=None, question=None):
    if request.method != "POST":
        return _comment_form(request, answer=answer, question=question)
    form = CommentForm(request.POST)
    target = answer or question
    if not form.is_valid():
        if request.htmx:
            return _render_thread(
                request, answer=answer, question=question, form=form, status=400
            )
        return render(
            request,
            "questions/comment_form.html",
            {"form": form, "target": target, "answer": answer},
            status=400,
        )
    comment = comment_create(
        author=request.user,
        body=form.cleaned_data["body"],
        answer=answer,
        question=question,
    )
    if request.htmx:
        return _render_thread(request, answer=answer, question=question)
    if comment.status == Status.PENDING:
        messages.info(
            request,
            "Your comment awaits review by a moderator: until it is approved only you can see it.",
        )
    return redirect(comment.get_absolute_url())


@require_http_methods(["GET", "POST"])
@member_can_post_required
@rate_limited("comment")
def answer_comment_create(request, pk):
    answer = get_object_or_404(
        Answer.objects.visible().select_related("question", "author", "source"), pk=pk
    )
    return _comment_on(request, answer=answer)


@require_http_methods(["GET", "POST"])
@member_can_post_required
@rate_limited("comment")
def question_comment_create(request, pk):
    return _comment_on(
        request, question=get_object_or_404(Question.objects.published(), pk=pk)
    )


@member_can_post_required
def comment_edit_view(request, pk):
    """Authors edit their comment within five minutes of posting it."""
    comment = get_object_or_404(
        Comment.objects.visible_to(request.user).select_related("answer", "question"),
        pk=pk,
    )
    if not comment.is_editable_by(request.user):
        raise PermissionDenied(
            "Comments can only be edited by their author, within 5 minutes of posting."
        )
    form = CommentForm(request.POST or None, instance=comment)
    status = 400 if request.method == "POST" else 200
    if (
        request.method == "POST"
        and form.is_valid()
        and rate_limit_exceeded("edit", request.user.pk)
    ):
        form.add_error(None, limit_message("edit"))
        status = 429
    elif request.method == "POST" and form.is_valid():
        saved = comment_edit(
            comment=comment, body=form.cleaned_data["body"], editor=request.user
        )
        if getattr(saved, "edit_pending", None):
            messages.success(
                request,
                "Your edit is awaiting review by a moderator; the approved text stays "
                "shown until then.",
            )
        else:
            messages.success(request, "Your comment was saved.")
        return redirect(comment.get_absolute_url())
    return render(
        request,
        "questions/comment_form.html",
        {"form": form, "comment": comment},
        status=status,
    )


@member_can_post_required
def comment_delete_view(request, pk):
    """Delete a comment, after a confirmation page (see answer_delete_view)."""
    comment = get_object_or_404(
        Comment.objects.visible_to(request.user).select_related(
            "answer__question", "answer__author", "answer__source", "question", "author"
        ),
        pk=pk,
    )
    if not comment.is_deletable_by(request.user):
        raise PermissionDenied(
            "Only its author or a moderator can delete this comment."
        )
    form = DeleteForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        comment_delete(
            comment=comment, by=request.user, reason=form.cleaned_data["reason"]
        )
        if request.htmx:
            return _render_thread(
                request, answer=comment.answer, question=comment.question
            )
        deleted_message(request, comment)
        return redirect((comment.answer or comment.question).get_absolute_url())
    return render(
        request,
        "questions/delete_confirm.html",
        delete_context(request, comment, form),
        status=400 if form.is_bound else 200,
    )


@require_POST
@member_can_post_required
def comment_restore_view(request, pk):
    """Its author brings back a comment they deleted, within the restore window."""
    comment = get_object_or_404(
        Comment.objects.restorable_by(request.user).select_related(
            "answer__question", "question"
        ),
        pk=pk,
    )
    comment_restore(comment=comment)
    messages.success(request, "Your comment is back.")
    return redirect(comment.get_absolute_url())
