"""Writes for practice: start a session, show the next card, record an attempt, grade a card."""

from datetime import datetime, time, timedelta
from http import HTTPStatus

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import Card, Mode, PracticeSession, PracticeSettings, Review, SessionItem
from .scheduling import apply_review, rebuild_card
from .selectors import (
    current_parameters,
    next_pick,
    practice_settings,
    session_settings,
)

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
        parameters=current_parameters(user),
        started_at=now,
    )
    # Read once: choosing the first card reads the daily limits from the same row.
    session.member_settings = practice_settings(user)
    session.desired_retention = session.member_settings.desired_retention
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


def _locked_item(item: SessionItem, member=None) -> SessionItem:
    """The session item `item` names (its key and its session's), locked with its session, the
    session's parameters read along. With `member`, an item of another member's session is
    not found (SessionItem.DoesNotExist): the views pass an unsaved SessionItem(pk, session_id)
    built from the URL, and this one query is both their permission check and the lock."""
    items = (
        # Not the parameters: a row lock can't reach the nullable side of an outer join.
        SessionItem.objects.select_for_update(of=("self", "session"))
        .select_related("session__parameters")
        .filter(pk=item.pk, session_id=item.session_id)
    )
    if member is not None:
        items = items.filter(session__user=member)
    return items.get()


def _inserted(card: Card) -> bool:
    """Insert a card graded for the first time; False if another tab's grade made it first
    (then grade that one: it is locked once this transaction reads it again)."""
    try:
        with (
            transaction.atomic()
        ):  # a savepoint: the transaction goes on after a conflict
            card.save(force_insert=True)
    except IntegrityError:
        if not Card.objects.filter(
            user_id=card.user_id, question_id=card.question_id
        ).exists():
            raise
        return False
    return True


# Check constraints are left to the database, which enforces them on every write anyway:
# Django's full_clean would ask it each one again (a query and a savepoint per constraint).
NO_CONSTRAINTS = {"validate_unique": False, "validate_constraints": False}


@transaction.atomic
def review_record(*, item: SessionItem, rating, now=None, member=None) -> Review:
    """Grade a revealed card: schedule it with FSRS, append to the log, show the next card.

    The graded item (`review.item`) carries its session as it is after the grade (ended, if
    that was its last card); `member`: see `_locked_item`."""
    now = now or timezone.now()
    item = _locked_item(item, member)
    session = item.session
    if not item.is_revealed:
        raise PracticeRefused(
            "Write your attempt or choose “I thought it through” before you grade yourself."
        )
    if item.is_graded:
        raise AlreadyGraded("This card is already graded.", HTTPStatus.CONFLICT)
    card = (
        Card.objects.select_for_update()
        .filter(user_id=session.user_id, question_id=item.question_id)
        .first()
    )
    if card is None:  # first sight: the card is made with its first review, below
        card = Card(
            user_id=session.user_id,
            question_id=item.question_id,
            due=now,
            created_at=now,
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
    member_settings = session_settings(session)
    fuzz = member_settings.interval_fuzz
    if card.pk is None and fuzz and not _inserted(card):
        # The fuzz is seeded by the card's key (scheduling.apply_review): it needs one first.
        return review_record(item=item, rating=rating, now=now, member=member)
    before = apply_review(
        card,
        rating=rating,
        fuzz=fuzz,
        learning_steps=member_settings.learning_steps,
        relearning_steps=member_settings.relearning_steps,
        reviewed_at=now,
        desired_retention=session.desired_retention,
        weights=parameters.weights_tuple if parameters else None,
    )
    card.full_clean(exclude=["user", "question"], **NO_CONSTRAINTS)
    if card.pk is None:
        if not _inserted(card):
            return review_record(item=item, rating=rating, now=now, member=member)
    else:
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
        fuzzed=fuzz,
        learning_steps=member_settings.learning_steps,
        relearning_steps=member_settings.relearning_steps,
    )
    review.full_clean(exclude=["user", "card"], **NO_CONSTRAINTS)
    review.save()
    item.review = review  # and review.item is this item (one-to-one)
    item.save(update_fields=["review"])
    session_advance(session=session, now=now)
    return review


class SetAside:
    """What the member can do with the card in front of them instead of grading it."""

    SKIP = "skip"  # not in this session
    BURY = "bury"  # not before their tomorrow
    SUSPEND = "suspend"  # never, until unsuspended


@transaction.atomic
def item_set_aside(*, item: SessionItem, action, now=None, member=None) -> SessionItem:
    """Take the current card out of the session ungraded (skip), and bury it until the member's
    tomorrow or suspend it if asked; the next card follows. Returns the item set aside, with its
    session as it is now (ended, if no card was left); `member`: see `_locked_item`."""
    now = now or timezone.now()
    item = _locked_item(item, member)
    if item.is_graded:
        raise AlreadyGraded("This card is already graded.", HTTPStatus.CONFLICT)
    if item.skipped_at is not None:
        raise PracticeRefused("This card is already set aside.", HTTPStatus.CONFLICT)
    session = item.session
    item.skipped_at = now
    item.save(update_fields=["skipped_at"])
    if action == SetAside.BURY:
        card_bury(user=session.user_id, question_id=item.question_id, now=now)
    elif action == SetAside.SUSPEND:
        card_suspend(user=session.user_id, question_id=item.question_id, now=now)
    session_advance(session=session, now=now)
    return item


def _card_for(user, question_id, now) -> Card:
    """The member's card for the question, created (new, never graded) if there is none
    (`user`: a member or their key)."""
    card, _ = Card.objects.select_for_update().get_or_create(
        user_id=getattr(user, "pk", user),
        question_id=question_id,
        defaults={"due": now, "created_at": now},
    )
    return card


@transaction.atomic
def card_bury(*, user, question_id, now=None) -> Card:
    """Keep the card out of every mode until the member's next day (their time zone)."""
    now = now or timezone.now()
    card = _card_for(user, question_id, now)
    card.buried_until = practice_settings(user).tomorrow(now)
    card.save(update_fields=["buried_until"])
    return card


@transaction.atomic
def card_suspend(*, user, question_id, now=None) -> Card:
    """Keep the card out of every mode and of the figures until unsuspended."""
    now = now or timezone.now()
    card = _card_for(user, question_id, now)
    if card.suspended_at is None:
        card.suspended_at = now
        card.save(update_fields=["suspended_at"])
    return card


def last_undoable_item(session: PracticeSession) -> SessionItem | None:
    """The session's last graded card whose grade can still be undone, or None."""
    return (
        session.items.filter(review__isnull=False)
        .select_related("review__card__question")
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
    session.items.filter(position__gt=item.position, review__isnull=True).filter(
        Q(skipped_at__isnull=True) | Q(question_id=item.question_id)
    ).delete()
    item.review = None
    item.save(update_fields=["review"])
    rebuilt = rebuild_card(card, card.reviews.all())
    rebuilt.save(force_update=True)
    if session.ended_at is not None:
        session.ended_at = None
        session.save(update_fields=["ended_at"])
    return item


@transaction.atomic
def practice_settings_update(*, user, **values) -> PracticeSettings:
    """Save the member's practice settings (`values`: the settings form's fields)."""
    settings, _ = PracticeSettings.objects.select_for_update().get_or_create(user=user)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.updated_at = timezone.now()
    settings.full_clean(exclude=["user"])
    settings.save()
    # Mastery and the weak line depend on the desired retention.
    return settings


class CardAction:
    """What the card browser (and a card's page) can do to a member's cards."""

    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    BURY = "bury"
    FORGET = "forget"
    SET_DUE = "set_due"
    CHOICES = [
        (SUSPEND, "Suspend"),
        (UNSUSPEND, "Unsuspend"),
        (BURY, "Bury until tomorrow"),
        (FORGET, "Forget (reset to new)"),
        (SET_DUE, "Set due date"),
    ]


@transaction.atomic
def cards_apply(*, user, card_ids, action, due_date=None, now=None) -> int:
    """Apply `action` to the member's cards among `card_ids`; how many changed.

    Forget sets the card's reset marker and rebuilds it from its log, which then starts after
    the marker: the card is new again and the log is kept whole. Set due date moves practised
    cards only (a new question has no schedule to move) to the start of `due_date` in the
    member's time zone; the next review reschedules them as usual."""
    now = now or timezone.now()
    settings = practice_settings(user)
    cards = Card.objects.select_for_update().filter(user=user, pk__in=card_ids)
    if action == CardAction.FORGET:
        cards = cards.prefetch_related("reviews")
    changed = 0
    for card in cards.order_by("pk"):
        fields = None
        if action == CardAction.SUSPEND and card.suspended_at is None:
            card.suspended_at, fields = now, ["suspended_at"]
        elif action == CardAction.UNSUSPEND and card.suspended_at is not None:
            card.suspended_at, fields = None, ["suspended_at"]
        elif action == CardAction.BURY:
            card.buried_until, fields = settings.tomorrow(now), ["buried_until"]
        elif action == CardAction.FORGET and card.last_review is not None:
            card.reset_at = now
            card.due_set_to = card.due_set_at = None
            rebuilt = rebuild_card(card, card.reviews.all())
            rebuilt.save(force_update=True)
            changed += 1
        elif action == CardAction.SET_DUE and card.last_review is not None:
            due = settings.day_start(
                datetime.combine(due_date, time(12), tzinfo=settings.zone)
            )
            card.due = card.due_set_to = due
            card.due_set_at = now
            fields = ["due", "due_set_to", "due_set_at"]
        if fields:
            card.save(update_fields=fields)
            changed += 1
    return changed
