"""The data invariants the site promises, checked with set-based SQL: usable from tests and scripts.

`check_invariants()` returns, for each invariant, the ids of the rows that break it (empty lists
when it holds). Each check is one query (GROUP BY joins, no query per row), so the whole run
stays in seconds on a million answers on PostgreSQL. `manage.py check_invariants` prints the
result as JSON and exits 1 when anything is broken.

Counters that are recomputed from rows (scores, answer and comment counts, revision counts,
reputation, card review counts) must be equal. `User.approved_post_count` only ever grows (a
post that is hidden or deleted later stays counted, and trusted members may have been promoted by
hand), so it is checked as a lower bound: at least the member's posts that are published now.
"""

from math import isclose

from django.db import connection

from accounts.models import User
from moderation.models import Flag
from practice.models import Card, Review
from questions.models import (
    Answer,
    AnswerRevision,
    Comment,
    DifficultyRating,
    InterviewMark,
    Question,
    Status,
    UsefulVote,
    Vote,
)
from questions.services.reputation import (
    REPUTATION_CANONICAL,
    REPUTATION_DOWNVOTE,
    REPUTATION_UPVOTE,
)


def _tables():
    q = connection.ops.quote_name
    return {
        "answer": q(Answer._meta.db_table),
        "question": q(Question._meta.db_table),
        "vote": q(Vote._meta.db_table),
        "comment": q(Comment._meta.db_table),
        "revision": q(AnswerRevision._meta.db_table),
        "user": q(User._meta.db_table),
        "flag": q(Flag._meta.db_table),
        "card": q(Card._meta.db_table),
        "review": q(Review._meta.db_table),
        "interview_mark": q(InterviewMark._meta.db_table),
        "useful_vote": q(UsefulVote._meta.db_table),
        "difficulty_rating": q(DifficultyRating._meta.db_table),
    }


# Each query selects the ids of the offending rows. {answer} etc. are the quoted table names.
QUERIES = {
    # Answer.score is the sum of its votes' values (0 without votes).
    "answer_score": (
        """
        SELECT a.id FROM {answer} a
        LEFT JOIN (SELECT answer_id, SUM(value) AS total FROM {vote} GROUP BY answer_id) v
               ON v.answer_id = a.id
        WHERE a.score <> COALESCE(v.total, 0)
        """,
        [],
    ),
    # At most one canonical answer per question (also a partial unique index): question ids.
    "one_canonical_per_question": (
        """
        SELECT question_id FROM {answer} WHERE is_canonical = %s
        GROUP BY question_id HAVING COUNT(*) > 1
        """,
        [True],
    ),
    # User.reputation equals questions.services.reputation's recomputation: +10 per up vote and
    # -2 per down vote on their answers, +15 per canonical answer of theirs.
    "reputation": (
        """
        SELECT u.id FROM {user} u
        LEFT JOIN (SELECT a.author_id,
                          SUM(CASE WHEN v.value = %s THEN %s ELSE %s END) AS points
                   FROM {vote} v JOIN {answer} a ON a.id = v.answer_id
                   WHERE a.author_id IS NOT NULL GROUP BY a.author_id) fv
               ON fv.author_id = u.id
        LEFT JOIN (SELECT author_id, COUNT(*) * %s AS points FROM {answer}
                   WHERE is_canonical = %s AND author_id IS NOT NULL GROUP BY author_id) fc
               ON fc.author_id = u.id
        WHERE u.reputation <> COALESCE(fv.points, 0) + COALESCE(fc.points, 0)
        """,
        [
            Vote.UP,
            REPUTATION_UPVOTE,
            REPUTATION_DOWNVOTE,
            REPUTATION_CANONICAL,
            True,
        ],
    ),
    # Question.answer_count: published, not deleted community answers (questions.services.counters).
    "question_answer_count": (
        """
        SELECT q.id FROM {question} q
        LEFT JOIN (SELECT question_id, COUNT(*) AS n FROM {answer}
                   WHERE source_id IS NULL AND deleted_at IS NULL AND status = %s
                   GROUP BY question_id) c ON c.question_id = q.id
        WHERE q.answer_count <> COALESCE(c.n, 0)
        """,
        [Status.PUBLISHED],
    ),
    # Question.has_reference_answer: a published, not deleted reference answer exists.
    "question_has_reference_answer": (
        """
        SELECT q.id FROM {question} q
        LEFT JOIN (SELECT DISTINCT question_id FROM {answer}
                   WHERE source_id IS NOT NULL AND deleted_at IS NULL AND status = %s) r
               ON r.question_id = q.id
        WHERE q.has_reference_answer <> (r.question_id IS NOT NULL)
        """,
        [Status.PUBLISHED],
    ),
    # Answer.comment_count: its published, not deleted comments.
    "answer_comment_count": (
        """
        SELECT a.id FROM {answer} a
        LEFT JOIN (SELECT answer_id, COUNT(*) AS n FROM {comment}
                   WHERE answer_id IS NOT NULL AND deleted_at IS NULL AND status = %s
                   GROUP BY answer_id) c ON c.answer_id = a.id
        WHERE a.comment_count <> COALESCE(c.n, 0)
        """,
        [Status.PUBLISHED],
    ),
    # Answer.revision_count: its AnswerRevision rows.
    "answer_revision_count": (
        """
        SELECT a.id FROM {answer} a
        LEFT JOIN (SELECT answer_id, COUNT(*) AS n FROM {revision} GROUP BY answer_id) r
               ON r.answer_id = a.id
        WHERE a.revision_count <> COALESCE(r.n, 0)
        """,
        [],
    ),
    # User.approved_post_count is at least the member's published answers and comments (deleted
    # ones included: deleting keeps the status and never decrements the counter).
    "approved_post_count": (
        """
        SELECT u.id FROM {user} u
        JOIN (SELECT author_id, SUM(n) AS n FROM (
                SELECT author_id, COUNT(*) AS n FROM {answer}
                WHERE author_id IS NOT NULL AND status = %s GROUP BY author_id
                UNION ALL
                SELECT author_id, COUNT(*) AS n FROM {comment}
                WHERE author_id IS NOT NULL AND status = %s GROUP BY author_id
              ) posts GROUP BY author_id) p ON p.author_id = u.id
        WHERE u.approved_post_count < p.n
        """,
        [Status.PUBLISHED, Status.PUBLISHED],
    ),
    # One flag per member per post (also unique constraints): the ids of the extra flags.
    "one_flag_per_member_per_post": (
        """
        SELECT f.id FROM {flag} f
        JOIN (SELECT user_id, answer_id, MIN(id) AS first FROM {flag}
              WHERE answer_id IS NOT NULL GROUP BY user_id, answer_id HAVING COUNT(*) > 1) d
          ON d.user_id = f.user_id AND d.answer_id = f.answer_id AND f.id > d.first
        UNION ALL
        SELECT f.id FROM {flag} f
        JOIN (SELECT user_id, comment_id, MIN(id) AS first FROM {flag}
              WHERE comment_id IS NOT NULL GROUP BY user_id, comment_id HAVING COUNT(*) > 1) d
          ON d.user_id = f.user_id AND d.comment_id = f.comment_id AND f.id > d.first
        """,
        [],
    ),
    # Card.review_count and last_review follow its review log; every review is the card owner's.
    "card_review_log": (
        """
        SELECT c.id FROM {card} c
        LEFT JOIN (SELECT card_id, COUNT(*) AS n, MAX(reviewed_at) AS latest,
                          MIN(user_id) AS min_user, MAX(user_id) AS max_user
                   FROM {review} GROUP BY card_id) r ON r.card_id = c.id
        WHERE c.review_count <> COALESCE(r.n, 0)
           OR (r.n IS NULL AND c.last_review IS NOT NULL)
           OR (r.n IS NOT NULL AND (c.last_review IS NULL OR c.last_review <> r.latest
                                    OR r.min_user <> c.user_id OR r.max_user <> c.user_id))
        """,
        [],
    ),
}

# Question.top_score (the best visible answer's score, null without one) is checked once the
# column exists: it is being added while this checker is written.
TOP_SCORE_QUERY = (
    """
    SELECT q.id FROM {question} q
    LEFT JOIN (SELECT question_id, MAX(score) AS top FROM {answer}
               WHERE deleted_at IS NULL AND status = %s GROUP BY question_id) t
           ON t.question_id = q.id
    WHERE q.top_score <> t.top
       OR (q.top_score IS NULL AND t.top IS NOT NULL)
       OR (q.top_score IS NOT NULL AND t.top IS NULL)
    """,
    [Status.PUBLISHED],
)


def _member_total(column, table):
    # Question.<column>: how many rows of `table` (one per member) it has (services.feedback).
    return (
        f"""
        SELECT q.id FROM {{question}} q
        LEFT JOIN (SELECT question_id, COUNT(*) AS n FROM {{{table}}}
                   GROUP BY question_id) c ON c.question_id = q.id
        WHERE q.{column} <> COALESCE(c.n, 0)
        """,
        [],
    )


QUERIES["question_interview_count"] = _member_total("interview_count", "interview_mark")
QUERIES["question_useful_count"] = _member_total("useful_count", "useful_vote")
QUERIES["question_difficulty_rating_count"] = _member_total(
    "difficulty_rating_count", "difficulty_rating"
)


def queries() -> dict[str, tuple[str, list]]:
    """The set-based checks that apply to this schema, by invariant name."""
    found = dict(QUERIES)
    if any(f.name == "top_score" for f in Question._meta.concrete_fields):
        found["question_top_score"] = TOP_SCORE_QUERY
    return found


CARD_FLOAT_FIELDS = (
    "stability",
    "decay",
    "difficulty",
    "recent_weight",
    "recent_pass_weight",
)
CARD_EXACT_FIELDS = (
    "state",
    "step",
    "due",
    "last_review",
    "review_count",
    "lapse_count",
)


def card_replay_mismatches(cards=None, *, chunk_size=2000) -> list[int]:
    """Ids of cards whose stored FSRS state differs from the replay of their review log.

    Python, not SQL (the scheduler is py-fsrs), so it costs one pass over the reviews:
    `check_invariants(replay_cards=True)` runs it on every card, tests on the cards they touched.
    """
    from practice.scheduling import rebuild_card

    cards = Card.objects.all() if cards is None else cards
    bad = []
    ids = list(cards.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        chunk = Card.objects.filter(pk__in=ids[start : start + chunk_size])
        for card in chunk.prefetch_related("reviews").order_by("pk"):
            rebuilt = rebuild_card(card, card.reviews.all())
            same = all(
                getattr(rebuilt, name) == getattr(card, name)
                for name in CARD_EXACT_FIELDS
            ) and all(
                _close(getattr(rebuilt, name), getattr(card, name))
                for name in CARD_FLOAT_FIELDS
            )
            if not same:
                bad.append(card.pk)
    return bad


def _close(a, b):
    if a is None or b is None:
        return a is b
    return isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check_invariants(*, replay_cards=False) -> dict[str, list]:
    """Every invariant's name with the ids of the rows that break it, sorted; empty when it holds."""
    tables = _tables()
    violations = {}
    with connection.cursor() as cursor:
        for name, (sql, params) in queries().items():
            cursor.execute(sql.format(**tables), params)
            violations[name] = sorted(row[0] for row in cursor.fetchall())
    if replay_cards:
        violations["card_replay"] = card_replay_mismatches()
    return violations
