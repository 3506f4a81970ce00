"""Votes on answers: cast, switch and undo, with the score and the author's reputation kept in step."""

from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User

from ..models import Answer, Status, Vote
from .reputation import reputation_vote_changed

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
    score: int
    my_vote: int | None  # Vote.UP, Vote.DOWN, or None once undone


def votes_today(user) -> int:
    """New votes the member cast in the last 24 hours (switched votes keep their date, undone ones are gone)."""
    return Vote.objects.filter(
        user=user, created_at__gte=timezone.now() - DAILY_VOTE_WINDOW
    ).count()


def _lock_members(*pks) -> None:
    # Voter and author, in primary-key order: two members voting on each other's answers at the
    # same moment then wait for each other instead of deadlocking. Holding the voter's row also
    # makes the daily limit exact when one member votes on several answers at once.
    ids = sorted({pk for pk in pks if pk is not None})
    list(
        User.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def vote_cast(*, user, answer: Answer, value: int) -> VoteResult:
    """Vote `value` (+1/-1) on an answer: a new vote, the same value again to undo, the other to switch.

    Locks the answer row first (SELECT ... FOR UPDATE), so concurrent votes on it run one after the
    other and neither the score nor the author's reputation loses a count.
    """
    if value not in (Vote.UP, Vote.DOWN):
        raise VoteRefused(
            "A vote is either up (1) or down (-1).", HTTPStatus.BAD_REQUEST
        )
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if answer.is_deleted or answer.status != Status.PUBLISHED:
        raise VoteRefused(
            "This answer is not published, so it can't be voted on.",
            HTTPStatus.NOT_FOUND,
        )
    if answer.author_id is not None and answer.author_id == user.pk:
        raise VoteRefused("You can't vote on your own answer.", HTTPStatus.FORBIDDEN)
    _lock_members(user.pk, answer.author_id)

    vote = Vote.objects.filter(user=user, answer=answer).first()
    old = vote.value if vote else None
    if vote is None:
        if votes_today(user) >= DAILY_VOTE_LIMIT:
            raise VoteRefused(
                f"You have cast {DAILY_VOTE_LIMIT} votes in the last 24 hours, the daily limit. "
                "You can still undo or switch a vote; new votes open up as older ones pass 24 hours.",
                HTTPStatus.TOO_MANY_REQUESTS,
            )
        vote = Vote(user=user, answer=answer, value=value)
        vote.full_clean()
        vote.save()
        new = value
    elif vote.value == value:
        vote.delete()
        new = None
    else:
        vote.value = value
        vote.full_clean()
        vote.save(update_fields=["value"])
        new = value

    Answer.objects.filter(pk=answer.pk).update(
        score=F("score") + (new or 0) - (old or 0)
    )
    reputation_vote_changed(answer=answer, old=old, new=new)
    answer.refresh_from_db(fields=["score"])
    return VoteResult(score=answer.score, my_vote=new)
