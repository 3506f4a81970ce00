"""Votes on answers: cast, switch and undo, with the score and the author's reputation kept in step."""

from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from caching import rows_changed

from ..models import Answer, Question, Status, Vote
from .counters import question_top_score_refresh
from .reputation import (
    REPUTATION_DOWNVOTE,
    REPUTATION_UPVOTE,
    members_lock,
    reputation_vote_changed,
)

DAILY_VOTE_LIMIT = 40
DAILY_VOTE_WINDOW = timedelta(hours=24)


class VoteRefused(Exception):
    """A vote the rules don't allow; `message` is for the member, `status` for the HTTP response."""

    def __init__(self, message: str, status: int = HTTPStatus.FORBIDDEN):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class VoteResult:
    answer_id: int
    question_id: int
    author_id: int | None
    score: int  # the answer's new score
    my_vote: int | None  # Vote.UP, Vote.DOWN, or None once undone

    @property
    def pk(self):  # the vote box template reads answer.pk
        return self.answer_id


def votes_today(user) -> int:
    """New votes the member cast in the last 24 hours (switched votes keep their date, undone ones are gone)."""
    return Vote.objects.filter(
        user=user, created_at__gte=timezone.now() - DAILY_VOTE_WINDOW
    ).count()


NOT_PUBLISHED = "This answer is not published, so it can't be voted on."
OWN_ANSWER = "You can't vote on your own answer."
DAILY_LIMIT_REACHED = (
    f"You have cast {DAILY_VOTE_LIMIT} votes in the last 24 hours, the daily limit. "
    "You can still undo or switch a vote; new votes open up as older ones pass 24 hours."
)


def vote_cast(*, user, answer: Answer | int, value: int) -> VoteResult:
    """Vote `value` (+1/-1) on an answer (or its pk): a new vote, the same value again to undo, the
    other to switch. Raises VoteRefused with the reason when the rules don't allow it.

    On PostgreSQL the whole vote is one call of the mlqa_vote_cast function (migration 0006),
    which takes the same steps as `_vote_cast_orm` below; votes are the site's most frequent
    write, and compiling eleven ORM statements cost four times the database's work.
    """
    if value not in (Vote.UP, Vote.DOWN):
        raise VoteRefused(
            "A vote is either up (1) or down (-1).", HTTPStatus.BAD_REQUEST
        )
    answer_id = getattr(answer, "pk", answer)
    if connection.vendor != "postgresql":
        result = _vote_cast_orm(user, answer_id, value)
    else:
        result = _vote_cast_postgresql(user.pk, answer_id, value)
        # The function wrote the vote, the score and the reputation: no signal was sent. The
        # rows stand for what questions/caching.py's vote declaration reads.
        answer = Answer(
            pk=result.answer_id,
            question_id=result.question_id,
            author_id=result.author_id,
        )
        rows_changed(Vote, [Vote(user_id=user.pk, answer=answer, value=value)])
    return result


_REFUSALS = {
    "not_published": (NOT_PUBLISHED, HTTPStatus.NOT_FOUND),
    "own_answer": (OWN_ANSWER, HTTPStatus.FORBIDDEN),
    "daily_limit": (DAILY_LIMIT_REACHED, HTTPStatus.TOO_MANY_REQUESTS),
}


def _vote_cast_postgresql(user_id, answer_id, value) -> VoteResult:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM mlqa_vote_cast(%s, %s, %s::smallint, %s, %s, %s, %s, %s, %s)",
            [
                user_id,
                answer_id,
                value,
                timezone.now(),
                DAILY_VOTE_WINDOW,
                DAILY_VOTE_LIMIT,
                REPUTATION_UPVOTE,
                REPUTATION_DOWNVOTE,
                Status.PUBLISHED.value,
            ],
        )
        outcome, score, my_vote, question_id, author_id = cursor.fetchone()
    if outcome in _REFUSALS:
        raise VoteRefused(*_REFUSALS[outcome])
    return VoteResult(answer_id, question_id, author_id, score, my_vote)


@transaction.atomic
def _vote_cast_orm(user, answer_id, value) -> VoteResult:
    """The vote through the ORM (SQLite), step for step what mlqa_vote_cast does on PostgreSQL.

    Lock order: the answer row, its question, then the members in primary-key order
    (members_lock). The other writers take the same rows in the same order (canonical marks:
    answers, then members; moderation recounts: the post, then its question), so none waits for
    another in the opposite order. The answer's lock makes concurrent
    votes on it run one after the other, so neither the score nor the author's reputation loses a
    count; the question's lock makes its top_score recount see every committed score.
    """
    answer = (
        Answer.objects.select_for_update()
        .only("question_id", "author_id", "status", "deleted_at", "score")
        .filter(pk=answer_id)
        .first()
    )
    if answer is None or answer.is_deleted or answer.status != Status.PUBLISHED:
        raise VoteRefused(*_REFUSALS["not_published"])
    if answer.author_id is not None and answer.author_id == user.pk:
        raise VoteRefused(*_REFUSALS["own_answer"])
    # Read under the lock, so current: every writer of answer scores or visibility holds it.
    top_score = (
        Question.objects.select_for_update(no_key=True)
        .filter(pk=answer.question_id)
        .values_list("top_score", flat=True)
        .first()
    )
    # The voter too: their row makes the daily limit exact when they vote on several at once.
    members_lock(user.pk, answer.author_id)

    vote = Vote.objects.filter(user=user, answer=answer).first()
    old = vote.value if vote else None
    # The value was checked above and the rows it points at are locked; one vote per member and
    # answer is a database constraint. So no full_clean(): its checks would cost three queries.
    if vote is None:
        if votes_today(user) >= DAILY_VOTE_LIMIT:
            raise VoteRefused(*_REFUSALS["daily_limit"])
        Vote.objects.create(user=user, answer=answer, value=value)
        new = value
    elif vote.value == value:
        vote.delete()
        new = None
    else:
        vote.value = value
        vote.save(update_fields=["value"])
        new = value

    delta = (new or 0) - (old or 0)
    Answer.objects.filter(pk=answer.pk).update(score=F("score") + delta)
    old_score = answer.score
    answer.score += delta  # exact: the row is locked
    _top_score_follow(answer, top_score, old_score)
    reputation_vote_changed(answer=answer, old=old, new=new)
    return VoteResult(
        answer.pk, answer.question_id, answer.author_id, answer.score, new
    )


def _top_score_follow(answer, top_score, old_score) -> None:
    """Keep the question's top_score (read under its lock) in step with one answer's new score,
    writing only when it changes: most votes are on answers that are not the best one."""
    if answer.score > old_score:
        if top_score is None or answer.score > top_score:
            Question.objects.filter(pk=answer.question_id).update(
                top_score=answer.score
            )
    elif answer.score < old_score and (top_score is None or old_score >= top_score):
        # It was the best: which is now?
        question_top_score_refresh([answer.question_id])
