"""Practice home, sessions (start, the current card, reveal, grade, end) and practice settings.

The card is a `{% partialdef practice-card %}` of practice/session.html: htmx requests get only
the card back (the next card loads in place); plain form posts redirect to the session page.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
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
from ..selectors import practice_settings, reveal_answers, session_settings
from ..services import (
    AlreadyGraded,
    NothingToPractise,
    PracticeRefused,
    item_reveal,
    item_set_aside,
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
    places = _places(session)
    item = None
    if session.ended_at is None and places.current is not None:
        item = SessionItem.objects.select_related("question__topic").get(
            pk=places.current
        )
    context = {
        "session": session,
        "item": item,
        "error": error,
        "can_undo": places.last_graded is not None,
        "leech": _new_leech(session, places),
    }
    if session.deadline:
        context["seconds_left"] = max(0, int((session.deadline - now).total_seconds()))
        if context["seconds_left"]:  # then "Time is up"
            page_expires_at(request, session.deadline)
    if item is None:
        context.update(_summary(session))
        return context
    context["card_number"] = places.card_number
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
    member = session_settings(session)
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


@dataclass
class _Places:
    current: int | None = (
        None  # the card shown now: the newest neither graded nor set aside
    )
    card_number: int = 0  # its place in the session (cards shown again don't count)
    last_graded: int | None = None  # the last graded card (its grade can be undone)
    last_rating: int | None = None
    last_card: int | None = None
    last_lapses: int = 0
    last_suspended: bool = False


def _places(session) -> _Places:
    """Where the session is, from one query over its items (a session holds a few dozen)."""
    places = _Places()
    rows = session.items.order_by("position").values_list(
        "pk",
        "reason",
        "skipped_at",
        "review_id",
        "review__rating",
        "review__card_id",
        "review__card__lapse_count",
        "review__card__suspended_at",
    )
    counted = 0
    for pk, reason, skipped_at, review_id, rating, card_id, lapses, suspended in rows:
        # Cards shown again after a slip (relearning) do not count against the session's size.
        if skipped_at is None and reason != SessionItem.Reason.RELEARN:
            counted += 1
        if review_id is not None:
            places.last_graded, places.last_rating = pk, rating
            places.last_card, places.last_lapses = card_id, lapses
            places.last_suspended = suspended is not None
        elif skipped_at is None:
            places.current, places.card_number = pk, counted
    return places


def _new_leech(session, places):
    """The card just failed, if that makes it a leech (forgotten the member's leech threshold
    times or more) and it is not suspended yet: the page tells them and offers what helps."""
    if places.last_graded is None or places.last_rating != Rating.AGAIN:
        return None
    if places.last_suspended or places.last_lapses == 0:
        return None  # no lapse: no need to read the member's threshold
    if places.last_lapses < session_settings(session).leech_threshold:
        return None
    return Card.objects.select_related("question").get(pk=places.last_card)


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


def _done(request, session, *, refresh=True):
    """After a write: the card now shown (htmx), or the session page to load (a redirect).
    `refresh`: the session was changed through another instance (not so after `_item_action`,
    whose service hands back the session it changed)."""
    if request.htmx:
        return _render_session(request, session, refresh=refresh)
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


def _item_action(request, pk, item_pk, form, act):
    """Grade or set aside the session's card `item_pk` with the bound `form`, then the next card.

    `act(item, data)` calls the service with an unsaved SessionItem naming the card and returns
    the session after it (the service's lookup is the permission check: another member's card,
    or one of another session, is a 404). A double submit shows where the session is now."""
    if not form.is_valid():
        session = _own_session(request, pk)
        get_object_or_404(session.items, pk=item_pk)
        error = next(iter(form.errors.values()))[0]
        return _render_session(request, session, status=400, error=error)
    try:
        session = act(SessionItem(pk=item_pk, session_id=pk), form.cleaned_data)
    except SessionItem.DoesNotExist:
        raise Http404("No such card in your sessions.") from None
    except AlreadyGraded:
        return _done(request, _own_session(request, pk))
    except PracticeRefused as refused:
        return _render_session(
            request,
            _own_session(request, pk),
            status=refused.status,
            error=refused.message,
        )
    return _done(request, session, refresh=False)


@login_required
@require_POST
def item_grade_view(request, pk, item_pk):
    """Grade a revealed card Again / Hard / Good / Easy; the next card follows."""

    def grade(item, data):
        review = review_record(item=item, rating=data["rating"], member=request.user)
        return review.item.session

    return _item_action(request, pk, item_pk, GradeForm(request.POST), grade)


@login_required
@require_POST
def item_set_aside_view(request, pk, item_pk):
    """Skip the card in this session, bury it until tomorrow or suspend it; the next follows."""

    def set_aside(item, data):
        return item_set_aside(
            item=item, action=data["action"], member=request.user
        ).session

    return _item_action(request, pk, item_pk, SetAsideForm(request.POST), set_aside)


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
