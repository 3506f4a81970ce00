"""Reads for practice: which card comes next in a session, and the rows the pages are built from.

Every function here costs a fixed number of queries, whatever the size of the user's history:
cards are at most one per question, and reviews are never loaded row by row. Choosing the next
card reads the database only; the pages' figures read these rows through `practice.snapshot`.
"""

import random
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q

from questions.models import Answer, Question, QuestionStatus, Status

from .exposure import (
    in_placement,
    new_allowance_left,
    new_card_due,
    new_topic,
    relearning_due,
    review_allowance_left,
)
from .mastery import topic_mastery, weak_topics
from .models import (
    COLLECTION_MODES,
    Card,
    FsrsParameters,
    ListEntry,
    Mode,
    PlanItem,
    PracticeSession,
    PracticeSettings,
    SessionItem,
)
from .scheduling import retrievability

# When the user has no weak topic yet, "focus" mode works on this many lowest-mastery topics.
FOCUS_FALLBACK_TOPICS = 3
TOP_COMMUNITY_ANSWERS = 3


def practice_settings(user) -> PracticeSettings:
    """The user's settings, or unsaved defaults: reading never writes."""
    user_id = getattr(user, "pk", user)
    # user_id, not user: the defaults may be cached, and must not carry the member's row along.
    saved = PracticeSettings.objects.filter(user_id=user_id).first()
    return saved or PracticeSettings(user_id=user_id)


def session_settings(session: PracticeSession) -> PracticeSettings:
    """The session's member's settings, read once for this session object (one request: a
    grade records the review with them, then the next card's daily limits read them again)."""
    if getattr(session, "member_settings", None) is None:
        session.member_settings = practice_settings(session.user_id)
    return session.member_settings


def current_parameters(user) -> FsrsParameters | None:
    """The member's latest fitted FSRS parameters, or None for FSRS's defaults."""
    user_id = getattr(user, "pk", user)
    return FsrsParameters.objects.filter(user_id=user_id).order_by("-version").first()


def practisable_questions(*, owner=None):
    """Published, open questions with at least one answer to compare an attempt with; and with
    `owner` (a user id), that member's private cards (their own deck: the back is their note).

    The questions practice may draw as new. A closed question (off-topic, a duplicate, unclear:
    moderation's close) is drawn no more, but a card on it stays a card: due reviews come from
    the member's cards (`card_rows`), which follow only whether the question is published."""
    answered = Q(status=Status.PUBLISHED, closed_at__isnull=True) & (
        Q(answer_count__gt=0) | Q(has_reference_answer=True)
    )
    if owner is None:
        return Question.objects.filter(answered)
    return Question.objects.filter(answered | own_cards_condition(owner))


def own_cards_condition(owner) -> Q:
    """A member's private cards (`owner`: a user id, or an OuterRef to one)."""
    return Q(status=QuestionStatus.PRIVATE, author_id=owner)


def card_rows(user) -> list[dict]:
    """All the user's cards with what scheduling and mastery need, in one query.

    `live`, `topic_id` and `level` follow the bank (the `bank` token), nothing else."""
    published = Question.objects.filter(pk=OuterRef("question_id")).filter(
        Q(status=Status.PUBLISHED) | own_cards_condition(OuterRef("user_id"))
    )
    # Suspended cards are out of practice and of its figures until unsuspended.
    return list(
        Card.objects.practised()
        .filter(user=user, suspended_at__isnull=True)
        .values(
            "id",
            "question_id",
            "stability",
            "last_review",
            "due",
            "state",
            "step",
            "created_at",
            "lapse_count",
            "first_passed",
            "retention_reviews",
            "expected_lapses",
            "buried_until",
            "decay",
            topic_id=F("question__topic_id"),
            level=F("question__difficulty"),
            live=Exists(published),
        )
    )


def is_buried(row, now) -> bool:
    """Whether a card row (`card_rows`) is buried until after `now`."""
    return row["buried_until"] is not None and row["buried_until"] > now


def next_due_at(rows, *, now):
    """When the next of these cards (`card_rows`) falls due after `now`, or None."""
    comes = (
        max(row["due"], row["buried_until"] or row["due"])
        for row in rows
        if row["live"]
    )
    return min((moment for moment in comes if moment > now), default=None)


@dataclass(frozen=True)
class Pick:
    question_id: int
    reason: str
    position: int


def next_pick(session: PracticeSession, *, now) -> Pick | None:
    """The next question of a session, or None when it is full or nothing is left.

    The exposure policy (practice.exposure): a card failed earlier in the session comes back
    once its relearning step has passed; otherwise a due-reviews session keeps at least half its
    cards new (within the day's allowance of new questions), due cards filling the rest, lowest
    recall first; new questions go to untried topics first, then to undecided ones, then half
    the time to weak ones. Five queries, whatever the size of the history.
    """
    rows_of_items = list(
        session.items.values_list(
            "question_id", "reason", "question__topic_id", "review_id", "skipped_at"
        )
    )
    # Skipped cards never come back in the session, and leave their place to another card.
    items = [row[:4] for row in rows_of_items if row[4] is None]
    showings = Counter(question_id for question_id, _, _, _ in items)
    seen = set(showings) | {row[0] for row in rows_of_items}
    taken_places = len(showings)
    topic_ids = set(session.topics.values_list("pk", flat=True))
    position = len(rows_of_items) + 1

    if session.mode == Mode.MOCK:
        if taken_places >= session.size:
            return None
        # Any practisable question, from a topic not asked yet in this interview if possible.
        used_topics = {topic_id for _, _, topic_id, _ in items}
        questions = (
            practisable_questions()
            .filter(_filters(session, topic_ids))
            .exclude(pk__in=seen)
            .exclude(
                pk__in=Card.objects.set_aside(now)
                .filter(user=session.user_id)
                .values("question_id")
            )
        )
        row = _random_pick(questions, used_topics, prefer=False)
        return Pick(row[0], SessionItem.Reason.MOCK, position) if row else None

    rows = card_rows(session.user_id)
    # Skipped items stay open (ungraded) for good: their question is never shown again here.
    open_questions = {row[0] for row in rows_of_items if row[3] is None}

    again = relearning_due(
        rows, showings=showings, open_questions=open_questions, now=now
    )
    pick = (
        Pick(again["question_id"], SessionItem.Reason.RELEARN, position)
        if again
        else None
    )
    if pick is None and taken_places < session.size:
        if session.mode in COLLECTION_MODES:
            pick = _collection_pick(session, rows, seen, now, position)
        else:
            pick = _fresh_pick(session, rows, items, seen, topic_ids, now, position)
    return pick


def collection_question_ids(session) -> list[int]:
    """The questions of the session's list (in the order added) or plan (in its order)."""
    if session.mode == Mode.LIST and session.question_list_id:
        return list(
            ListEntry.objects.filter(question_list_id=session.question_list_id)
            .order_by("added_at", "pk")
            .values_list("question_id", flat=True)
        )
    if session.mode == Mode.PLAN and session.study_plan_id:
        return list(
            PlanItem.objects.filter(section__plan_id=session.study_plan_id)
            .order_by("section__position", "position")
            .values_list("question_id", flat=True)
        )
    return []


def _collection_pick(session, rows, seen, now, position) -> Pick | None:
    """From a list or plan, as Anki's filtered decks: its due cards (lowest recall first), then
    its new questions in the list's or plan's order (no daily allowance: the member chose
    them), then early reviews of its other cards, lowest recall first. Two queries."""
    ordered = collection_question_ids(session)
    wanted = [q for q in ordered if q not in seen]
    if not wanted:
        return None
    wanted_set = set(wanted)
    # Cards already made stay reviewable (a closed question's too); new ones only practisable.
    carded = [row for row in rows if row["question_id"] in wanted_set and row["live"]]
    due = [row for row in carded if row["due"] <= now]
    if due:
        return _due_pick(due, now, position)
    has_card = {row["question_id"] for row in rows}
    practisable = set(
        practisable_questions().filter(pk__in=wanted).values_list("pk", flat=True)
    )
    fresh = next((q for q in wanted if q in practisable and q not in has_card), None)
    if fresh is not None:
        return Pick(fresh, SessionItem.Reason.NEW, position)
    if carded:
        row = _lowest_recall(carded, now)
        return Pick(row["question_id"], SessionItem.Reason.EARLY, position)
    return None


def _fresh_pick(session, rows, items, seen, topic_ids, now, position) -> Pick | None:
    """A card not shown yet in this session: due, new or (focus mode) an early review."""

    def matches(row):
        return (
            row["live"]
            and not is_buried(row, now)
            and row["question_id"] not in seen
            and (not topic_ids or row["topic_id"] in topic_ids)
            and (not session.difficulty or row["level"] == session.difficulty)
        )

    candidates = [row for row in rows if matches(row)]
    dr = session.desired_retention
    new_questions = _new_questions(session, topic_ids, seen, now)
    due = []
    if session.mode != Mode.NEW:
        due = [row for row in candidates if row["due"] <= now]

    if session.mode == Mode.WEAK:
        targets = _focus_topics(rows, dr=dr, now=now)
        if targets:
            due = [row for row in due if row["topic_id"] in targets]
            candidates = [row for row in candidates if row["topic_id"] in targets]
            new_questions = new_questions.filter(topic_id__in=targets)
        # The daily limits hold here too (it draws on the whole deck, as the due mode does);
        # early reviews, beyond what is due, are extra study and count against neither.
        allowance, reviews_left = _allowances(session, rows, items, now)
        if due and reviews_left:
            return _due_pick(due, now, position)
        row = _random_pick(new_questions) if allowance else None
        if row:
            reason = SessionItem.Reason.WEAK if targets else SessionItem.Reason.NEW
            return Pick(row[0], reason, position)
        # Nothing due or new in the focus topics: review the shakiest cards early (not a due
        # card held back by the review limit).
        if not reviews_left:
            candidates = [row for row in candidates if row["due"] > now]
        if candidates:
            return Pick(
                _lowest_recall(candidates, now)["question_id"],
                SessionItem.Reason.EARLY,
                position,
            )
        return None

    new_reasons = (SessionItem.Reason.WEAK, SessionItem.Reason.NEW)
    allowance, reviews_left = _allowances(session, rows, items, now)
    if not reviews_left:
        due = []
    new_so_far = sum(1 for _, r, _, _ in items if r in new_reasons)
    # The share counts the session's cards, not the failed ones shown again.
    fresh = 1 + sum(1 for _, r, _, _ in items if r != SessionItem.Reason.RELEARN)
    wants_new = session.mode == Mode.NEW or (
        allowance > 0
        and (not due or new_card_due(position=fresh, new_so_far=new_so_far))
    )
    counts = None
    if not wants_new and allowance > 0:
        # The placement: new questions before due ones until every topic has been sampled.
        counts = topic_counts(new_questions)
        wants_new = in_placement(counts, _tried(rows, items))
    if wants_new:
        pick = _new_pick(
            new_questions, rows, items, dr=dr, now=now, position=position, counts=counts
        )
        if pick is not None:
            return pick
    return _due_pick(due, now, position) if due else None


def _allowances(session, rows, items, now) -> tuple[int, int]:
    """The member's daily limits left (new questions, due reviews), counted in their day over
    every session, whatever its mode (one query: the settings)."""
    new_reasons = (SessionItem.Reason.WEAK, SessionItem.Reason.NEW)
    carded = {row["question_id"] for row in rows}
    settings = session_settings(session)
    day_start = settings.day_start(now)
    allowance = new_allowance_left(
        created_today=sum(1 for row in rows if row["created_at"] >= day_start),
        pending=sum(1 for q, r, _, _ in items if r in new_reasons and q not in carded),
        limit=settings.new_per_day,
    )
    reviews_left = review_allowance_left(
        reviewed_today=sum(
            1
            for row in rows
            if row["last_review"] >= day_start and row["created_at"] < day_start
        ),
        pending=sum(
            1 for _, r, _, review in items if r == SessionItem.Reason.DUE and not review
        ),
        limit=settings.reviews_per_day,
    )
    return allowance, reviews_left


def _due_pick(due, now, position) -> Pick:
    row = _lowest_recall(due, now)
    return Pick(row["question_id"], SessionItem.Reason.DUE, position)


def _tried(rows, items) -> Counter:
    """Questions graded or shown in this session, per topic."""
    tried = Counter(row["topic_id"] for row in rows)
    carded = {row["question_id"] for row in rows}
    tried.update(topic for q, _, topic, _ in items if q not in carded)
    return tried


def _new_pick(
    new_questions, rows, items, *, dr, now, position, counts=None
) -> Pick | None:
    """A new question from the topic the exposure policy chooses (two queries, one if the
    topics' `counts` of new questions are given)."""
    if counts is None:
        counts = topic_counts(new_questions)
    if not counts:
        return None
    mastery = topic_mastery(rows, desired_retention=dr, now=now)
    topic_id, _phase = new_topic(mastery, counts, _tried(rows, items))
    if topic_id is None:
        row = _uniform_in_topics(new_questions, counts)
    else:
        row = nth_in_topic(new_questions, topic_id, random.randrange(counts[topic_id]))
    if row is None:
        return None
    weak = row[1] in mastery and mastery[row[1]].is_weak
    reason = SessionItem.Reason.WEAK if weak else SessionItem.Reason.NEW
    return Pick(row[0], reason, position)


def _filters(session, topic_ids) -> Q:
    condition = Q()
    if topic_ids:
        condition &= Q(topic_id__in=topic_ids)
    if session.difficulty:
        condition &= Q(difficulty=session.difficulty)
    return condition


def _new_questions(session, topic_ids, seen, now):
    """Practisable questions matching the session's options that the user has never graded."""
    return (
        practisable_questions(owner=session.user_id)
        .filter(_filters(session, topic_ids))
        .exclude(
            pk__in=Card.objects.taken(now)
            .filter(user=session.user_id)
            .values("question_id")
        )
        .exclude(pk__in=seen)
    )


def _random_pick(queryset, topic_ids=(), *, prefer=True):
    """(pk, topic_id) of a question drawn uniformly from `queryset`: from `topic_ids` if any
    are left (prefer) or from the other topics if any are left (not prefer); None when it is
    empty. Two queries whatever the size of the bank.

    Every question of the chosen group is equally likely: its topics are weighed by how many of
    the group's questions they hold, then one question of the topic is taken at a random offset
    (not the first one at or after a random key, which favours questions after a gap in the keys).
    """
    counts = topic_counts(queryset)
    inside = {t: n for t, n in counts.items() if t in topic_ids}
    outside = {t: n for t, n in counts.items() if t not in topic_ids}
    groups = [counts]
    if topic_ids:
        groups = [inside, outside] if prefer else [outside, inside]
    for group in groups:
        if group:
            return _uniform_in_topics(queryset, group)
    return None


def topic_counts(queryset) -> dict[int, int]:
    """How many questions of `queryset` each topic holds (topics with none are left out)."""
    rows = queryset.order_by().values("topic_id").annotate(n=Count("pk"))
    return {row["topic_id"]: row["n"] for row in rows if row["n"]}


def _uniform_in_topics(queryset, counts):
    """A uniform draw among the questions of `queryset` in the topics of `counts` (one query)."""
    topic_ids = sorted(counts)
    topic_id = random.choices(topic_ids, weights=[counts[t] for t in topic_ids])[0]
    return nth_in_topic(queryset, topic_id, random.randrange(counts[topic_id]))


def nth_in_topic(queryset, topic_id, offset):
    """(pk, topic_id) of the question at `offset` in key order among `queryset`'s questions of
    the topic; the first one if the topic has shrunk since it was counted, None if it is empty."""
    rows = (
        queryset.filter(topic_id=topic_id).order_by("pk").values_list("pk", "topic_id")
    )
    found = list(rows[offset : offset + 1]) or list(rows[:1])
    return found[0] if found else None


def _lowest_recall(rows, now):
    return min(
        rows,
        key=lambda row: (
            retrievability(row["stability"], row["last_review"], now, row["decay"])
            or 0.0,
            row["due"],
            row["question_id"],
        ),
    )


def _focus_topics(rows, *, dr, now) -> set[int]:
    """The weak topics, or failing any, the practised topics likeliest to be weak."""
    mastery = topic_mastery(rows, desired_retention=dr, now=now)
    weak = [m.topic_id for m in weak_topics(mastery)]
    if weak:
        return set(weak)
    lowest = sorted(mastery.values(), key=lambda m: (-m.weak_probability, m.topic_id))
    return {m.topic_id for m in lowest[:FOCUS_FALLBACK_TOPICS]}


def reveal_answers(question) -> dict:
    """What the reveal shows: the canonical answer, the top community answers, the references."""
    answers = list(
        Answer.objects.visible()
        .filter(question=question)
        .select_related("author", "source")
        .order_by("-is_canonical", "-score", "created_at")
    )
    canonical = [a for a in answers if a.is_canonical]
    community = [a for a in answers if not a.is_canonical and a.source_id is None]
    references = [a for a in answers if not a.is_canonical and a.source_id is not None]
    return {
        "canonical_answers": canonical,
        "community_answers": community[:TOP_COMMUNITY_ANSWERS],
        "more_community_answers": max(0, len(community) - TOP_COMMUNITY_ANSWERS),
        "reference_answers": references,
    }


def best_answer(answers):
    """The canonical answer, else the best-scored community answer, else a reference answer."""
    ranked = sorted(
        answers,
        key=lambda a: (
            not a.is_canonical,
            a.source_id is not None,
            -a.score,
            a.created_at,
        ),
    )
    return ranked[0] if ranked else None
