"""Members' signals on a question: "I was asked this in an interview", "useful", a difficulty
rating. Forms that post back (the page again, at the box) and, with htmx, the box alone."""

from http import HTTPStatus

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from accounts.permissions import member_can_post_required, refuse
from accounts.ratelimit import rate_limited

from ..forms import InterviewMarkForm
from ..models import Question
from ..services.feedback import (
    FeedbackRefused,
    difficulty_rate,
    interview_mark_remove,
    interview_mark_set,
    useful_vote_set,
)
from .detail import question_page_context
from .feedback_box import feedback_context

BOX = "questions/includes/feedback.html#feedback-box"


def _question(pk):
    return get_object_or_404(
        Question.objects.published()
        .select_related("topic", "author")
        .defer("search_vector"),
        pk=pk,
    )


def _done(request, question, message):
    """After a write: the box again (htmx, with the new totals), else back to it on the page."""
    if request.htmx:
        fresh = get_object_or_404(
            Question.objects.with_member_feedback(request.user).only(
                "pk",
                "slug",
                "difficulty",
                "community_difficulty",
                "difficulty_rating_count",
                "interview_count",
                "useful_count",
            ),
            pk=question.pk,
        )
        context = {"question": fresh, "feedback_saved": message}
        return render(request, BOX, {**context, **feedback_context(request, fresh)})
    messages.success(request, message)
    return HttpResponseRedirect(
        f"{question.get_absolute_url()}#feedback", status=HTTPStatus.SEE_OTHER
    )


def _refused(request, question, message, status, interview_form=None):
    """Bad input: the box (htmx) or the whole page (without JavaScript) with the reason, and
    what the member typed kept in the form."""
    if isinstance(message, FeedbackRefused) and message.status == HTTPStatus.NOT_FOUND:
        if not request.htmx:
            raise Http404(message.message)
        return refuse(request, message.message, message.status)
    text = getattr(message, "message", message)
    if request.htmx:
        context = {
            "question": question,
            "feedback_error": text,
            **feedback_context(request, question, interview_form),
        }
        return render(request, BOX, context, status=status)
    extra = {"feedback_error": text}
    if interview_form is not None:
        extra["interview_form"] = interview_form
    context = question_page_context(request, question, **extra)
    return render(request, "questions/question_detail.html", context, status=status)


@require_POST
@member_can_post_required
@rate_limited("feedback")
def interview_mark_view(request, pk):
    """Mark the question as asked in an interview (role, company, year optional), change the
    mark, or remove it ("remove")."""
    question = _question(pk)
    try:
        if "remove" in request.POST:
            interview_mark_remove(user=request.user, question=question)
            return _done(request, question, "Your interview mark was removed.")
        form = InterviewMarkForm(request.POST, auto_id="interview-%s")
        if not form.is_valid():
            return _refused(
                request,
                question,
                "Your interview mark was not saved: see below.",
                HTTPStatus.BAD_REQUEST,
                interview_form=form,
            )
        interview_mark_set(user=request.user, question=question, **form.cleaned_data)
    except FeedbackRefused as refused:
        return _refused(request, question, refused, refused.status)
    return _done(
        request,
        question,
        "Saved: you were asked this in an interview. Only the totals are shown.",
    )


@require_POST
@member_can_post_required
@rate_limited("feedback")
def useful_vote_view(request, pk):
    """Vote the question useful (useful=1) or take the vote back (useful=0)."""
    question = _question(pk)
    useful = {"1": True, "0": False}.get(request.POST.get("useful"))
    if useful is None:
        return _refused(
            request,
            question,
            "Say whether the question is useful (1) or take your vote back (0).",
            HTTPStatus.BAD_REQUEST,
        )
    try:
        useful_vote_set(user=request.user, question=question, useful=useful)
    except FeedbackRefused as refused:
        return _refused(request, question, refused, refused.status)
    return _done(
        request,
        question,
        "You found this question useful."
        if useful
        else "Your useful vote was removed.",
    )


@require_POST
@member_can_post_required
@rate_limited("feedback")
def difficulty_rate_view(request, pk):
    """Rate the question easy, medium or hard, or take the rating back ("remove")."""
    question = _question(pk)
    difficulty = None if "remove" in request.POST else request.POST.get("difficulty")
    if "remove" not in request.POST and difficulty not in ("easy", "medium", "hard"):
        return _refused(
            request,
            question,
            "Choose easy, medium or hard, then “Rate”.",
            HTTPStatus.BAD_REQUEST,
        )
    try:
        totals = difficulty_rate(
            user=request.user, question=question, difficulty=difficulty
        )
    except FeedbackRefused as refused:
        return _refused(request, question, refused, refused.status)
    if difficulty is None:
        return _done(request, question, "Your difficulty rating was removed.")
    return _done(
        request,
        question,
        f"You rated this question {difficulty}; {totals['difficulty_rating_count']} "
        "member(s) have rated it.",
    )
