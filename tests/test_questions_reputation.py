from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse

from accounts.models import User
from questions.models import Answer, Vote
from questions.services.reputation import (
    REPUTATION_CANONICAL,
    REPUTATION_DOWNVOTE,
    REPUTATION_UPVOTE,
    reputation_canonical_mark,
    reputation_recompute,
)
from questions.services.votes import vote_cast
from tests.factories import AnswerFactory, QuestionFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(new_user):
    # Reputation arithmetic here starts from zero: the voter is a brand-new member.
    return new_user


def reputation_of(user):
    return User.objects.values_list("reputation", flat=True).get(pk=user.pk)


def test_the_constants():
    assert (REPUTATION_UPVOTE, REPUTATION_DOWNVOTE, REPUTATION_CANONICAL) == (
        10,
        -2,
        15,
    )


# (first vote, second vote) -> the author's reputation after each; the same value twice undoes.
TRANSITIONS = [
    (Vote.UP, None, 10, None),
    (Vote.DOWN, None, -2, None),
    (Vote.UP, Vote.UP, 10, 0),  # undo an upvote: -10
    (Vote.DOWN, Vote.DOWN, -2, 0),  # undo a downvote: +2
    (Vote.UP, Vote.DOWN, 10, -2),  # switch up -> down: -12
    (Vote.DOWN, Vote.UP, -2, 10),  # switch down -> up: +12
]


@pytest.mark.parametrize(
    ("first", "second", "after_first", "after_second"), TRANSITIONS
)
def test_each_vote_transition_moves_the_authors_reputation(
    user, first, second, after_first, after_second
):
    answer = AnswerFactory()
    author = answer.author
    vote_cast(user=user, answer=answer, value=first)
    assert reputation_of(author) == after_first
    if second is not None:
        vote_cast(user=user, answer=answer, value=second)
        assert reputation_of(author) == after_second
    assert reputation_of(user) == 0  # voting costs the voter nothing
    assert reputation_recompute() == 0  # the incremental numbers match a rebuild


def test_reputation_adds_up_across_answers_and_voters():
    author = UserFactory()
    first, second = AnswerFactory(author=author), AnswerFactory(author=author)
    for answer, value in [
        (first, Vote.UP),
        (first, Vote.UP),
        (first, Vote.DOWN),
        (second, Vote.UP),
    ]:
        vote_cast(user=UserFactory(), answer=answer, value=value)
    assert reputation_of(author) == 3 * REPUTATION_UPVOTE + REPUTATION_DOWNVOTE


def test_votes_on_reference_answers_give_no_one_reputation(user):
    answer = AnswerFactory(author=None, source=SourceFactory())
    vote_cast(user=user, answer=answer, value=Vote.UP)
    assert not User.objects.exclude(reputation=0).exists()
    assert reputation_recompute() == 0


def test_answers_of_removed_authors_give_no_one_reputation(user):
    answer = AnswerFactory()
    Answer.objects.filter(pk=answer.pk).update(author=None)
    answer.refresh_from_db()
    vote_cast(user=user, answer=answer, value=Vote.UP)
    assert not User.objects.exclude(reputation=0).exists()
    assert reputation_recompute() == 0


def test_canonical_mark_gives_fifteen_and_unmark_takes_it_back():
    answer = AnswerFactory()
    Answer.objects.filter(pk=answer.pk).update(is_canonical=True)
    assert reputation_canonical_mark(answer=answer, marked=True) == REPUTATION_CANONICAL
    assert reputation_of(answer.author) == 15
    assert reputation_recompute() == 0

    Answer.objects.filter(pk=answer.pk).update(is_canonical=False)
    assert (
        reputation_canonical_mark(answer=answer, marked=False) == -REPUTATION_CANONICAL
    )
    assert reputation_of(answer.author) == 0
    assert reputation_recompute() == 0


def test_canonical_mark_on_a_reference_answer_gives_nothing():
    answer = AnswerFactory(author=None, source=SourceFactory())
    reputation_canonical_mark(answer=answer, marked=True)
    assert not User.objects.exclude(reputation=0).exists()


def test_the_vote_view_updates_reputation_too(user_client):
    answer = AnswerFactory()
    user_client.post(
        reverse("questions:answer-vote", kwargs={"pk": answer.pk}), {"value": "1"}
    )
    assert reputation_of(answer.author) == REPUTATION_UPVOTE


def test_recompute_restores_corrupted_values_and_is_idempotent():
    alice, bob, idle = UserFactory(), UserFactory(), UserFactory()
    question = QuestionFactory()
    alice_answer = AnswerFactory(question=question, author=alice, is_canonical=True)
    bob_answer = AnswerFactory(question=QuestionFactory(), author=bob)
    for value in (Vote.UP, Vote.UP, Vote.DOWN):
        vote_cast(user=UserFactory(), answer=alice_answer, value=value)
    vote_cast(user=alice, answer=bob_answer, value=Vote.DOWN)
    expected = {alice.pk: 2 * 10 - 2 + 15, bob.pk: -2, idle.pk: 0}

    User.objects.filter(pk=alice.pk).update(reputation=9999)
    User.objects.filter(pk=bob.pk).update(reputation=-50)
    User.objects.filter(pk=idle.pk).update(reputation=7)
    assert reputation_recompute() == 3
    assert {pk: User.objects.get(pk=pk).reputation for pk in expected} == expected
    assert reputation_recompute() == 0


def test_recompute_counts_votes_without_looping_over_them(
    django_assert_max_num_queries,
):
    answer = AnswerFactory()
    for _ in range(6):
        vote_cast(user=UserFactory(), answer=answer, value=Vote.UP)
    User.objects.update(reputation=1)
    # Lock the members, two GROUP BY queries, one bulk UPDATE (plus the savepoint).
    with django_assert_max_num_queries(6):
        changed = reputation_recompute()
    assert changed == User.objects.count()
    assert (
        reputation_of(answer.author)
        == Vote.objects.aggregate(total=Sum("value"))["total"] * REPUTATION_UPVOTE
    )


def test_the_recompute_reputation_command_reports_what_changed():
    answer = AnswerFactory()
    vote_cast(user=UserFactory(), answer=answer, value=Vote.UP)
    User.objects.filter(pk=answer.author_id).update(reputation=0)

    out = StringIO()
    call_command("recompute_reputation", stdout=out)
    assert "1 member changed" in out.getvalue()
    assert reputation_of(answer.author) == REPUTATION_UPVOTE

    out = StringIO()
    call_command("recompute_reputation", stdout=out)
    assert "0 members changed" in out.getvalue()


def test_reputation_never_shows_below_zero_and_stays_rebuildable(client):
    """Downvotes on a new member's answer: every page shows 0, not -4; undoing one gives back
    exactly its points, and recompute_reputation finds nothing to change."""
    author = UserFactory(display_name="Newcomer Nia")
    answer = AnswerFactory(author=author)
    voters = UserFactory.create_batch(3)
    vote_cast(user=voters[0], answer=answer, value=Vote.DOWN)
    vote_cast(user=voters[1], answer=answer, value=Vote.DOWN)
    assert reputation_of(author) == 2 * REPUTATION_DOWNVOTE  # the exact sum, kept
    assert User.objects.get(pk=author.pk).shown_reputation == 0

    profile = client.get(reverse("accounts:profile", args=[author.username]))
    assert "<dd>0</dd>" in profile.content.decode()
    question_page = client.get(answer.question.get_absolute_url()).content.decode()
    assert 'title="Reputation">0</span>' in question_page
    assert 'title="Reputation">-' not in question_page
    client.force_login(author)
    header = client.get(reverse("home")).content.decode()
    assert 'title="Reputation">0</span>' in header
    moderator = UserFactory(moderator=True)
    client.force_login(moderator)
    member_page = client.get(reverse("moderation:member", args=[author.username]))
    assert "Reputation 0 " in member_page.content.decode()

    vote_cast(user=voters[2], answer=answer, value=Vote.UP)
    assert reputation_of(author) == 2 * REPUTATION_DOWNVOTE + REPUTATION_UPVOTE
    vote_cast(user=voters[0], answer=answer, value=Vote.DOWN)  # undone: +2 back
    assert reputation_of(author) == REPUTATION_DOWNVOTE + REPUTATION_UPVOTE
    assert reputation_recompute() == 0
