"""A member's practice rows as the home, progress and session pages read them, stored until
they practise again.

The home and progress pages read a member's rows through `practice_snapshot`, stored in the
shared cache under the member's practice token, which every practice write replaces
(practice/caching.py): their queries and the ORM's work to build them were most of those pages'
time. Only what time doesn't change is stored; due counts and mastery are worked out from the
rows on every request. Choosing the next card (practice.selectors) never reads what is stored.
"""

from django.db.models import Exists, OuterRef

from caching import BANK, LISTS, SITE, cached_value
from questions.models import Question, Topic

from .caching import practice_token
from .mastery import topic_mastery, weak_topics
from .models import Card, PracticeSession
from .selectors import (
    card_rows,
    is_buried,
    next_due_at,
    own_cards_condition,
    practice_settings,
    practisable_questions,
)


def practice_depends_on(user_id, *others) -> list[str]:
    """The cache tokens of figures read from one member's practice rows (and `others`)."""
    # BANK: which questions are live, their topic and difficulty. SITE: topics' names.
    return [practice_token(user_id), SITE, BANK, *others]


def practice_snapshot(user) -> dict:
    """The member's settings, cards (`card_rows`) and unfinished session: three queries, or
    none while their practice token and the bank are unchanged (see the module's note)."""
    user_id = getattr(user, "pk", user)

    def read():
        return {
            "settings": practice_settings(user_id),
            "rows": card_rows(user_id),
            "open_session": PracticeSession.objects.filter(
                user_id=user_id, ended_at__isnull=True
            )
            .order_by("-started_at")
            .first(),
        }

    return cached_value(
        f"practice-snapshot:{user_id}",
        practice_depends_on(user_id),
        read,
    )


def new_question_count(user) -> int:
    """Practisable questions the member has no card for.

    All practisable questions (a cached count: counting 100,000 rows on every visit is slow)
    minus the member's cards on them, rather than NOT IN over the whole bank. A question is
    practisable once it has an answer (the `lists` token) and while it is published (`bank`).
    """
    user_id = getattr(user, "pk", user)

    def count():
        total = cached_value(
            "practisable-count",
            [BANK, LISTS],
            lambda: practisable_questions().count(),
        )
        total += Question.objects.filter(own_cards_condition(user_id)).count()
        practisable = practisable_questions(owner=user_id).filter(
            pk=OuterRef("question_id")
        )
        practised = (
            Card.objects.taken().filter(user_id=user_id).filter(Exists(practisable))
        )
        return max(0, total - practised.count())

    return cached_value(
        f"practice-new-count:{user_id}",
        practice_depends_on(user_id, LISTS),
        count,
    )


def bank_topics() -> list[Topic]:
    """Every topic in menu order, cached with the bank (as the question list's filter menus)."""
    return cached_value("practice-topics", [BANK], lambda: list(Topic.objects.all()))


def home_summary(user, *, now) -> dict:
    """Due reviews, new questions, weak topics and an unfinished session.

    With warm caches no query at all; otherwise the snapshot's three, the new count's one or
    two, and the topics'."""
    snapshot = practice_snapshot(user)
    settings, rows = snapshot["settings"], snapshot["rows"]
    dr = settings.desired_retention
    mastery = topic_mastery(rows, desired_retention=dr, now=now)
    weak = weak_topics(mastery)
    topics = bank_topics()
    names = {topic.pk: topic for topic in topics}
    unknown = sum(1 for m in mastery.values() if not m.has_enough_data)
    return {
        "settings": settings,
        "threshold_percent": round(dr * 100),
        "due_count": sum(
            1
            for row in rows
            if row["live"] and row["due"] <= now and not is_buried(row, now)
        ),
        "next_due_at": next_due_at(rows, now=now),
        "new_count": new_question_count(user),
        "weak_topics": [(names.get(m.topic_id), m) for m in weak],
        "practised_topic_count": len(mastery),
        "unknown_topic_count": unknown,
        "open_session": snapshot["open_session"],
        "topics": topics,
    }
