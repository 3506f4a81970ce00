"""Deleting and bringing back: the confirmation page's context, the message after a deletion,
and a member's own recently deleted posts, which they may restore for a day."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..models import AUTHOR_RESTORE_WINDOW, Answer, Comment

RESTORE_HOURS = int(AUTHOR_RESTORE_WINDOW.total_seconds() // 3600)
# The message after an author's own deletion carries this tag: the layout adds a link to the
# page that brings the post back (templates/base.html).
RESTORABLE_TAG = "restorable"


def _kind(post) -> str:
    return "answer" if isinstance(post, Answer) else "comment"


def delete_context(request, post, form) -> dict:
    """What the confirmation page shows: the post, who is deleting it, what happens next."""
    own = post.author_id == request.user.pk
    if isinstance(post, Answer):
        question, cancel_url = post.question, post.get_absolute_url()
    else:
        question = post.answer.question if post.answer_id else post.question
        cancel_url = post.get_absolute_url()
    return {
        "post": post,
        "kind": _kind(post),
        "question": question,
        "own": own,
        "form": form,
        "cancel_url": cancel_url,
        "restore_hours": RESTORE_HOURS,
    }


def deleted_message(request, post) -> None:
    kind = _kind(post)
    if post.author_id == request.user.pk:
        messages.success(
            request,
            f"Your {kind} was deleted. You can restore it for {RESTORE_HOURS} hours.",
            extra_tags=RESTORABLE_TAG,
        )
    else:
        messages.success(
            request,
            f"The {kind} was deleted. Moderators can restore it from the removed posts.",
        )


@login_required
def deleted_posts(request):
    """A member's own answers and comments they deleted in the last day, each with Restore."""
    answers = list(
        Answer.objects.restorable_by(request.user).select_related("question")
    )
    comments = list(
        Comment.objects.restorable_by(request.user).select_related(
            "answer__question", "question"
        )
    )
    for post in answers + comments:
        post.restore_until = post.deleted_at + AUTHOR_RESTORE_WINDOW
    return render(
        request,
        "questions/deleted_posts.html",
        {"answers": answers, "comments": comments, "restore_hours": RESTORE_HOURS},
    )
