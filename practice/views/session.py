"""Practice home, sessions (start, the current card, reveal, grade, end) and practice settings.

The card is a `{% partialdef practice-card %}` of practice/session.html: htmx requests get only
the card back (the next card loads in place); plain form posts redirect to the session page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts.ratelimit import rate_limited
from caching import LISTS, cached_page, page_depends_on, page_expires_at
from questions.caching import question_token

from ..forms import (
    AttemptForm,
    GradeForm,
    PracticeSettingsForm,
    SetAsideForm,
    StartForm,
)
from ..models import Card, PracticeSession, QuestionNote, Rating, SessionItem
from ..scheduling import format_interval, next_intervals
from ..selectors import practice_settings, reveal_answers
from ..services import (
    AlreadyGraded,
    NothingToPractise,
    PracticeRefused,
    item_reveal,
    item_set_aside,
    last_undoable_item,
    practice_settings_update,
    review_record,
    review_undo,
    session_end,
    session_start,
)
from ..snapshot import home_summary, practice_depends_on

SHORTCUT_KEYS = {
    Rating.AGAIN: "1",
    Rating.HARD: "2",
    Rating.GOOD: "3",
    Rating.EASY: "4",
}


@cached_page(
    [LISTS],  # the new-question count
    members="private",
    member_depends_on=practice_depends_on,
    login_required=True,
)
@require_safe
def practice_home(request):
    """The signed-in user's practice overview: due reviews, new questions, weak topics, start."""
    summary = home_summary(request.user, now=timezone.now())
    if summary["next_due_at"]:  # the due count goes up then
        page_expires_at(request, summary["next_due_at"])
    form = StartForm(
        initial={"size": summary["settings"].session_size}, topics=summary["topics"]
    )
    return render(request, "practice/home.html", {**summary, "form": form})


@login_required
@require_POST
@rate_limited("practice_start")
def session_start_view(request):
    """Start a session with the chosen mode and filters, then show its first card."""
    form = StartForm(request.POST)
    if not form.is_valid():
        summary = home_summary(request.user, now=timezone.now())
        form.topic_list = summary["topics"]
        return render(
            request, "practice/home.html", {**summary, "form": form}, status=400
        )
    data = form.cleaned_data
    try:
        session = session_start(
            user=request.user,
            mode=data["mode"],
            topics=data["topics"],
            difficulty=data["difficulty"],
            size=data["size"],
            time_limit=form.time_limit,
        )
    except NothingToPractise as refused:
        messages.info(request, refused.message)
        return redirect("practice:home")
    return redirect(session)


def _own_session(request, pk):
    return get_object_or_404(
        PracticeSession.objects.select_related("parameters"), pk=pk, user=request.user
    )


def _session_context(request, session, *, now, attempt_form=None, error=""):
    """The current card (question, or question with answers once attempted) or the summary."""
    item = None
    if session.ended_at is None:
        item = (
            session.items.filter(review__isnull=True, skipped_at__isnull=True)
            .select_related("question__topic")
            .order_by("-position")
            .first()
        )
    last_graded = last_undoable_item(session)
    context = {
        "session": session,
        "item": item,
        "error": error,
        "can_undo": last_graded is not None,
        "leech": _new_leech(session, last_graded),
    }
    if session.deadline:
        context["seconds_left"] = max(0, int((session.deadline - now).total_seconds()))
        if context["seconds_left"]:  # then "Time is up"
            page_expires_at(request, session.deadline)
    if item is None:
        context.update(_summary(session))
        return context
    # Cards shown again after a slip (relearning) do not count against the session's size.
    context["card_number"] = (
        session.items.filter(position__lte=item.position)
        .exclude(reason=SessionItem.Reason.RELEARN)
        .exclude(skipped_at__isnull=False)
        .count()
    )
    # The card shows the question, and its answers once revealed.
    page_depends_on(request, question_token(item.question_id))
    context["question"] = item.question
    if not item.is_revealed:
        context["attempt_form"] = attempt_form or AttemptForm()
        return context
    context.update(reveal_answers(item.question))
    context["note"] = QuestionNote.objects.filter(
        user_id=session.user_id, question_id=item.question_id
    ).first()
    card = Card.objects.filter(
        user_id=session.user_id, question_id=item.question_id
    ).first()
    member = practice_settings(session.user_id)
    intervals = next_intervals(
        card,
        now=now,
        desired_retention=session.desired_retention,
        weights=session.parameters.weights_tuple if session.parameters_id else None,
        learning_steps=member.learning_steps,
        relearning_steps=member.relearning_steps,
    )
    context["grades"] = [
        (rating, format_interval(intervals[rating]), SHORTCUT_KEYS[rating])
        for rating in Rating
    ]
    return context


def _new_leech(session, last_graded):
    """The card just failed, if that makes it a leech (forgotten the member's leech threshold
    times or more) and it is not suspended yet: the page tells them and offers what helps."""
    if last_graded is None or last_graded.review.rating != Rating.AGAIN:
        return None
    card = last_graded.review.card
    if card.suspended_at is not None or card.lapse_count == 0:
        return None  # no lapse: no need to read the member's threshold
    threshold = practice_settings(session.user_id).leech_threshold
    return card if card.is_leech(threshold) else None


def _summary(session):
    items = list(session.items.select_related("question", "review"))
    graded = [item for item in items if item.review_id]
    counts = dict.fromkeys(Rating, 0)
    for item in graded:
        counts[Rating(item.review.rating)] += 1
    return {
        "summary_items": items,
        "graded_count": len(graded),
        "rating_counts": [(rating.label, counts[rating]) for rating in Rating],
        "recalled_count": sum(1 for item in graded if item.review.passed),
        "total_seconds": round(
            sum(item.review.duration_ms or 0 for item in graded) / 1000
        ),
        "time_ran_out": bool(
            session.deadline
            and session.ended_at
            and session.ended_at >= session.deadline
        ),
    }


def _render_session(request, session, *, status=200, refresh=False, **extra):
    """The whole page, or only the card for htmx (the next card loads in place)."""
    if refresh:  # a service changed the session through another instance
        session.refresh_from_db()
    context = _session_context(request, session, now=timezone.now(), **extra)
    template = "practice/session.html"
    if request.htmx:
        template += "#practice-card"
    return render(request, template, context, status=status)


def _done(request, session):
    if request.htmx:
        return _render_session(request, session, refresh=True)
    return redirect(session.get_absolute_url() + "#practice-card", permanent=False)


@cached_page(
    members="private", member_depends_on=practice_depends_on, login_required=True
)
@require_safe
def session_detail(request, pk):
    """One of the user's sessions: the current card, or the summary once it is over."""
    return _render_session(request, _own_session(request, pk))


@login_required
@require_POST
def item_reveal_view(request, pk, item_pk):
    """Record the attempt (or "I thought it through"); only then are the answers shown."""
    session = _own_session(request, pk)
    item = get_object_or_404(session.items, pk=item_pk)
    form = AttemptForm(request.POST)
    if not form.is_valid():
        return _render_session(request, session, status=400, attempt_form=form)
    item_reveal(
        item=item,
        attempt=form.cleaned_data["attempt"],
        thought_through=form.cleaned_data["thought"],
    )
    return _done(request, session)


@login_required
@require_POST
def item_grade_view(request, pk, item_pk):
    """Grade a revealed card Again / Hard / Good / Easy; the next card follows."""
    session = _own_session(request, pk)
    item = get_object_or_404(session.items, pk=item_pk)
    form = GradeForm(request.POST)
    if not form.is_valid():
        return _render_session(
            request, session, status=400, error=form.errors["rating"][0]
        )
    try:
        review_record(item=item, rating=form.cleaned_data["rating"])
    except AlreadyGraded:
        pass  # a double submit: show where the session is now
    except PracticeRefused as refused:
        return _render_session(
            request, session, status=refused.status, error=refused.message
        )
    return _done(request, session)


@login_required
@require_POST
def item_set_aside_view(request, pk, item_pk):
    """Skip the card in this session, bury it until tomorrow or suspend it; the next follows."""
    session = _own_session(request, pk)
    item = get_object_or_404(session.items, pk=item_pk)
    form = SetAsideForm(request.POST)
    if not form.is_valid():
        return _render_session(
            request, session, status=400, error=form.errors["action"][0]
        )
    try:
        item_set_aside(item=item, action=form.cleaned_data["action"])
    except AlreadyGraded:
        pass  # a double submit: show where the session is now
    except PracticeRefused as refused:
        return _render_session(
            request, session, status=refused.status, error=refused.message
        )
    return _done(request, session)


@login_required
@require_POST
def session_undo_view(request, pk):
    """Undo the session's last grade and go back to that card (Ctrl+Z or U with JavaScript)."""
    session = _own_session(request, pk)
    try:
        review_undo(session=session)
    except PracticeRefused as refused:
        return _render_session(
            request, session, status=refused.status, error=refused.message
        )
    return _done(request, session)


@login_required
@require_POST
def session_end_view(request, pk):
    """Stop a session early and see its summary."""
    session = _own_session(request, pk)
    session_end(session=session)
    return _done(request, session)


@login_required
def practice_settings_view(request):
    """The user's desired retention and default session size."""
    instance = practice_settings(request.user)
    form = PracticeSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            practice_settings_update(user=request.user, **form.cleaned_data)
            messages.success(request, "Your practice settings were saved.")
            return redirect("practice:settings")
        return render(request, "practice/settings.html", {"form": form}, status=400)
    return render(request, "practice/settings.html", {"form": form})
