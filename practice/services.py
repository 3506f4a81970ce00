"""Writes for practice: start a session, show the next card, record an attempt, grade a card."""

from datetime import timedelta
from http import HTTPStatus

from django.db import transaction
from django.utils import timezone

from .models import Card, Mode, PracticeSession, PracticeSettings, Review, SessionItem
from .scheduling import apply_review, rebuild_card
from .selectors import current_parameters, next_pick, practice_settings

# Time spent counts from showing the question to grading it, capped so that a tab left open
# overnight does not count as hours of practice.
MAX_DURATION = timedelta(minutes=30)
RESET_GAP = timedelta(microseconds=1)


class PracticeRefused(Exception):
    """A practice action that cannot be done, with the message and HTTP status to answer."""

    def __init__(self, message, status=HTTPStatus.BAD_REQUEST):
        super().__init__(message)
        self.message = message
        self.status = status


class NothingToPractise(PracticeRefused):
    pass


class AlreadyGraded(PracticeRefused):
    pass


@transaction.atomic
def session_start(
    *,
    user,
    mode,
    topics=(),
    difficulty="",
    size,
    time_limit=None,
    question_list=None,
    study_plan=None,
    now=None,
) -> PracticeSession:
    """Open a session with its options and its first card; nothing is saved if no card fits."""
    now = now or timezone.now()
    session = PracticeSession(
        user=user,
        mode=mode,
        difficulty=difficulty or "",
        size=size,
        time_limit=time_limit if mode == Mode.MOCK else None,
        question_list=question_list if mode == Mode.LIST else None,
        study_plan=study_plan if mode == Mode.PLAN else None,
        desired_retention=practice_settings(user).desired_retention,
        parameters=current_parameters(user),
        started_at=now,
    )
    session.full_clean()
    session.save()
    session.topics.set(topics)
    if session_advance(session=session, now=now) is None:
        # Raising inside the atomic block rolls the empty session back.
        raise NothingToPractise(
            "No question matches these options right now: nothing is due and there are no new "
            "questions left. Choose other topics or another mode.",
            HTTPStatus.OK,
        )
    return session


def session_advance(*, session: PracticeSession, now) -> SessionItem | None:
    """Show the next card, or end the session when it is full, out of time or out of cards."""
    pick = None if session.is_over(now) else next_pick(session, now=now)
    if pick is None:
        if session.ended_at is None:
            session.ended_at = now
            session.save(update_fields=["ended_at"])
        return None
    return SessionItem.objects.create(
        session=session,
        question_id=pick.question_id,
        position=pick.position,
        reason=pick.reason,
        shown_at=now,
    )


@transaction.atomic
def session_end(*, session: PracticeSession, now=None) -> None:
    if session.ended_at is None:
        session.ended_at = now or timezone.now()
        session.save(update_fields=["ended_at"])


@transaction.atomic
def item_reveal(*, item: SessionItem, attempt="", thought_through=False, now=None):
    """Record the user's attempt (or that they thought it through): only then are answers shown.

    Revealing twice keeps the first attempt: the answers were already on screen after it.
    """
    item = SessionItem.objects.select_for_update().get(pk=item.pk)
    if item.is_revealed:
        return item
    item.attempt = attempt.strip()
    item.thought_through = bool(thought_through) or not item.attempt
    item.attempted_at = now or timezone.now()
    item.full_clean()
    item.save(update_fields=["attempt", "thought_through", "attempted_at"])
    return item


@transaction.atomic
def review_record(*, item: SessionItem, rating, now=None) -> Review:
    """Grade a revealed card: schedule it with FSRS, append to the log, show the next card."""
    now = now or timezone.now()
    item = (
        # Not the parameters: a row lock can't reach the nullable side of an outer join.
        SessionItem.objects.select_for_update(of=("self", "session"))
        .select_related("session__parameters")
        .get(pk=item.pk)
    )
    session = item.session
    if not item.is_revealed:
        raise PracticeRefused(
            "Write your attempt or choose “I thought it through” before you grade yourself."
        )
    if item.is_graded:
        raise AlreadyGraded("This card is already graded.", HTTPStatus.CONFLICT)
    card, _ = Card.objects.select_for_update().get_or_create(
        user_id=session.user_id,
        question_id=item.question_id,
        defaults={"due": now, "created_at": now},
    )
    if card.last_review is not None and card.last_review > now:
        # The same card graded in another tab committed first with a later clock reading: this
        # review goes after it, so the log's order is the order the card went through them and
        # replaying the log gives this card.
        now = card.last_review
    if card.reset_at is not None and now <= card.reset_at:
        # Replaying the log starts strictly after the reset (scheduling.replayed_reviews).
        now = card.reset_at + RESET_GAP
    parameters = session.parameters
    before = apply_review(
        card,
        rating=rating,
        reviewed_at=now,
        desired_retention=session.desired_retention,
        weights=parameters.weights_tuple if parameters else None,
    )
    card.full_clean(exclude=["user", "question"], validate_unique=False)
    card.save()
    spent = min(max(now - item.shown_at, timedelta(0)), MAX_DURATION)
    review = Review(
        user_id=session.user_id,
        card=card,
        rating=int(rating),
        reviewed_at=now,
        duration_ms=int(spent.total_seconds() * 1000),
        retrievability=before,
        desired_retention=session.desired_retention,
        parameters=parameters,
        attempt=item.attempt,
    )
    review.full_clean(exclude=["user", "card"])
    review.save()
    item.review = review
    item.save(update_fields=["review"])
    session_advance(session=session, now=now)
    return review


def last_undoable_item(session: PracticeSession) -> SessionItem | None:
    """The session's last graded card whose grade can still be undone, or None."""
    return (
        session.items.filter(review__isnull=False)
        .select_related("review")
        .order_by("-position")
        .first()
    )


@transaction.atomic
def review_undo(*, session: PracticeSession, now=None) -> SessionItem:
    """Undo the session's last grade: the review is voided (kept in the log), its card rebuilt
    from the rest of the log, exactly as it was before the grade, and the session goes back to
    that card (revealed, waiting for a grade). Cards shown after it and not graded are taken
    back out of the session; a session that ended with that grade is open again."""
    now = now or timezone.now()
    session = PracticeSession.objects.select_for_update().get(pk=session.pk)
    item = last_undoable_item(session)
    if item is None:
        raise PracticeRefused(
            "There is no grade to undo in this session.", HTTPStatus.CONFLICT
        )
    review = item.review
    card = Card.objects.select_for_update().get(pk=review.card_id)
    latest = card.reviews.counted().order_by("-reviewed_at", "-id").first()
    if latest is not None and latest.pk != review.pk:
        raise PracticeRefused(
            "This card was graded again since (in another session): only its latest grade "
            "can be undone.",
            HTTPStatus.CONFLICT,
        )
    review.void(at=now)
    # Cards shown after the undone one leave the session first: one may be the same question
    # again (relearning), and a question is open at most once in a session.
    session.items.filter(position__gt=item.position, review__isnull=True).delete()
    item.review = None
    item.save(update_fields=["review"])
    rebuilt = rebuild_card(card, card.reviews.all())
    rebuilt.save(force_update=True)
    if session.ended_at is not None:
        session.ended_at = None
        session.save(update_fields=["ended_at"])
    return item


@transaction.atomic
def practice_settings_update(
    *, user, desired_retention, session_size
) -> PracticeSettings:
    settings, _ = PracticeSettings.objects.select_for_update().get_or_create(user=user)
    settings.desired_retention = desired_retention
    settings.session_size = session_size
    settings.updated_at = timezone.now()
    settings.full_clean(exclude=["user"])
    settings.save()
    # Mastery and the weak line depend on the desired retention.
    return settings
