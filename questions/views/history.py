"""History pages: every revision of an answer, a question or a comment, each shown as a line
diff against the one before, with the moderators' *Roll back to this revision* buttons. One
view and one template for the three kinds of post."""

import difflib

from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from ..models import Answer, Comment, Question


def diff_lines(old, new):
    """(kind, text) pairs for a readable unified diff: kind is "add", "del", "hunk" or "same"."""
    lines = []
    for line in list(
        difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
    )[2:]:
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        lines.append((kind, line[1:] if kind != "hunk" else "…"))
    return lines


def _question_text(revision):
    """A question's revision as one text, so a changed title shows in the diff too."""
    return f"{revision.title}\n\n{revision.body}".rstrip()


def _history(request, *, post, revisions, text_of, context):
    revisions = list(
        revisions.shown_to(request.user, post.author_id).select_related("editor")
    )
    previous = ""
    for revision in revisions:
        revision.diff_lines = diff_lines(previous, text_of(revision))
        previous = text_of(revision)
    revisions.reverse()
    return render(
        request,
        "questions/history.html",
        {"post": post, "revisions": revisions, **context},
    )


def answer_history(request, pk):
    """Every revision of an answer, each shown as a line diff against the one before."""
    answer = get_object_or_404(
        Answer.objects.visible_to(request.user).select_related("question", "author"),
        pk=pk,
    )
    if answer.is_reference:
        heading = "History of a reference answer"
    else:
        name = answer.author.public_name if answer.author else "deleted user"
        heading = f"History of an answer by {name}"
    return _history(
        request,
        post=answer,
        revisions=answer.revisions,
        text_of=lambda revision: revision.body,
        context={
            "heading": heading,
            "question": answer.question,
            "rollback_url": reverse("moderation:rollback", args=[answer.pk]),
        },
    )


def question_history(request, pk):
    """Every revision of a question's title and details, each as a diff against the one before."""
    question = get_object_or_404(
        Question.objects.visible_to(request.user).select_related("author"), pk=pk
    )
    return _history(
        request,
        post=question,
        revisions=question.revisions,
        text_of=_question_text,
        context={
            "heading": "History of the question",
            "question": question,
            "rollback_url": reverse("moderation:question-rollback", args=[question.pk]),
            "never_edited": "This question is as it was imported or proposed: it was never edited.",
        },
    )


def comment_history(request, pk):
    """Every revision of a comment's text: for readers who may see the comment and its post."""
    questions = Question.objects.visible_to(request.user)
    visible = Comment.objects.visible_to(request.user).filter(
        Q(question__in=questions)
        | Q(
            answer__in=Answer.objects.visible_to(request.user).filter(
                question__in=questions
            )
        )
    )
    comment = get_object_or_404(
        visible.select_related("author", "question", "answer__question"), pk=pk
    )
    question = comment.question if comment.question_id else comment.answer.question
    name = comment.author.public_name if comment.author else "deleted user"
    return _history(
        request,
        post=comment,
        revisions=comment.revisions,
        text_of=lambda revision: revision.body,
        context={
            "heading": f"History of a comment by {name}",
            "question": question,
            "rollback_url": reverse("moderation:comment-rollback", args=[comment.pk]),
        },
    )
