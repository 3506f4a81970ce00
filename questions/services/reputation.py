"""Reputation: points an answer's author earns from votes and canonical marks.

The incremental helpers run inside the transaction that changes the vote or the mark, and
`reputation_recompute` rebuilds the same numbers from scratch, so the two must agree.
Reference answers and answers whose author deleted the link (author is null) give no one points.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Sum, Value, When

from accounts.models import User
from caching import rows_changed

from ..models import Answer, Vote

REPUTATION_UPVOTE = 10
REPUTATION_DOWNVOTE = -2
REPUTATION_CANONICAL = 15

_VOTE_POINTS = {Vote.UP: REPUTATION_UPVOTE, Vote.DOWN: REPUTATION_DOWNVOTE, None: 0}


def members_lock(*pks) -> None:
    """Lock these members' rows (None skipped) in primary-key order, before changing their points.

    One order for every writer: two members voting on each other's answers at the same moment,
    or a canonical mark and a vote between the same two members, wait for each other instead of
    deadlocking."""
    ids = sorted({pk for pk in pks if pk is not None})
    list(
        User.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def reputation_adjust(*, user_id, delta: int) -> None:
    """Add `delta` to one member's reputation with F(), so concurrent changes add up."""
    if user_id is None or delta == 0:
        return
    User.objects.filter(pk=user_id).update(reputation=F("reputation") + delta)
    rows_changed(User, [User(pk=user_id)], fields=["reputation"])


def reputation_vote_changed(*, answer: Answer, old: int | None, new: int | None) -> int:
    """Move the author's points from the old vote value to the new one (None: no vote); returns the delta.

    Up to nothing is -10, nothing to down is -2, up to down is -12, and so on.
    """
    delta = _VOTE_POINTS[new] - _VOTE_POINTS[old]
    reputation_adjust(user_id=answer.author_id, delta=delta)
    return delta


def reputation_canonical_mark(*, answer: Answer, marked: bool) -> int:
    """+15 to the author when a moderator marks the answer canonical, -15 on unmark; returns the delta.

    Call it in the transaction that flips `Answer.is_canonical`, and only when the flag really changes.
    """
    delta = REPUTATION_CANONICAL if marked else -REPUTATION_CANONICAL
    reputation_adjust(user_id=answer.author_id, delta=delta)
    return delta


def _expected_reputation() -> dict[int, int]:
    """Every author's points, from two GROUP BY queries: votes on their answers and canonical marks."""
    points = Case(
        When(value=Vote.UP, then=Value(REPUTATION_UPVOTE)),
        default=Value(REPUTATION_DOWNVOTE),
        output_field=IntegerField(),
    )
    from_votes = (
        Vote.objects.filter(answer__author__isnull=False)
        .values("answer__author")
        .annotate(points=Sum(points))
        .order_by()
    )
    from_canonical = (
        Answer.objects.filter(is_canonical=True, author__isnull=False)
        .values("author")
        .annotate(marks=Count("pk"))
        .order_by()
    )
    expected = defaultdict(int)
    for row in from_votes:
        expected[row["answer__author"]] += row["points"]
    for row in from_canonical:
        expected[row["author"]] += row["marks"] * REPUTATION_CANONICAL
    return expected


@transaction.atomic
def reputation_recompute() -> int:
    """Rebuild every member's reputation from votes and canonical marks; returns how many changed.

    The member rows are locked first, in primary-key order like `vote_cast` locks them, so no vote
    can land between the aggregation and the write (and the two can't deadlock).
    """
    members = list(
        User.objects.select_for_update().order_by("pk").only("pk", "reputation")
    )
    expected = _expected_reputation()
    changed = []
    for member in members:
        value = expected.get(member.pk, 0)
        if member.reputation != value:
            member.reputation = value
            changed.append(member)
    User.objects.bulk_update(changed, ["reputation"], batch_size=500)
    rows_changed(User, changed, fields=["reputation"])
    return len(changed)
