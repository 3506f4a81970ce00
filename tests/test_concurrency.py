"""Threads racing on the same rows (PostgreSQL only: SQLite runs one writer at a time).

Each race starts its threads together on a barrier, each thread with its own database connection,
and is run several rounds. Afterwards the outcome is checked and so is every data invariant
(devtools.invariants). An exception other than the service's own refusal (a deadlock, an integrity
error, a lost update) fails the test.
"""

import threading
import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from devtools.invariants import card_replay_mismatches, check_invariants
from moderation.models import FLAGS_TO_HIDE, AuditLogEntry, Flag
from moderation.services import (
    ModerationRefused,
    canonical_set,
    flag_create,
    post_hide,
)
from practice.models import Card, Review, SessionItem
from practice.services import (
    AlreadyGraded,
    item_reveal,
    review_record,
    session_start,
)
from questions.models import Answer, Comment, Question, Status, Vote
from questions.services.answers import answer_create, answer_delete
from questions.services.comments import comment_create
from questions.services.counters import question_counters_refresh
from questions.services.reputation import reputation_recompute
from questions.services.votes import VoteRefused, vote_cast
from tests.factories import QuestionFactory, UserFactory
from tests.practice_factories import NOW
from tests.practice_factories import practisable_question as _practisable_question

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5
Action = AuditLogEntry.Action
BODY = "Gradient descent moves the weights against the gradient of the loss."
REFUSALS = (ModerationRefused, VoteRefused, AlreadyGraded)


def race(*jobs):
    """Run the jobs in threads that start together; their results, or the refusal raised."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)
    errors = []

    def run(index, job):
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except REFUSALS as refusal:
            results[index] = refusal
        except (
            Exception
        ) as error:  # reported below: an exception in a thread would be lost
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, job))
        for index, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return results


def assert_invariants_hold():
    assert {name: ids for name, ids in check_invariants().items() if ids} == {}


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def published_answer(question, author):
    """An answer through the service (a moderator publishes it), so every counter is true."""
    answer = answer_create(question=question, author=author, body=BODY)
    assert answer.status == Status.PUBLISHED
    return answer


def audit_of(answers, action):
    return list(
        AuditLogEntry.objects.filter(
            target_type="answer", target_id__in=[a.pk for a in answers], action=action
        ).order_by("pk")
    )


@pytest.fixture
def moderators():
    return UserFactory.create_batch(2, moderator=True)


def author_pair():
    """Two authors whose answers publish at once: moderators, so no reputation is made up."""
    return UserFactory.create_batch(2, moderator=True)


# (a) Two moderators mark different canonical answers on one question at the same time.


def check_one_canonical(question, answers, marks_expected):
    canonical = Answer.objects.filter(question=question, is_canonical=True)
    assert canonical.count() == 1
    winner = canonical.get()
    marks, unmarks = (
        audit_of(answers, Action.CANONICAL_MARK),
        audit_of(answers, Action.CANONICAL_UNMARK),
    )
    # Each mark either made the first canonical answer or replaced the previous one.
    assert (len(marks), len(unmarks)) == (marks_expected, marks_expected - 1)
    assert marks[-1].target_id == winner.pk
    assert marks[-1].actor_id == winner.canonical_marked_by_id
    assert unmarks[0].target_id == marks[0].target_id


def test_two_moderators_mark_different_canonical_answers_at_once(moderators):
    def one_round(_):
        question = QuestionFactory()
        answers = [published_answer(question, author) for author in author_pair()]
        results = race(
            *[
                lambda m=m, a=a: canonical_set(moderator=m, answer=a)
                for m, a in zip(moderators, answers, strict=True)
            ]
        )
        assert all(isinstance(r, Answer) for r in results)
        check_one_canonical(question, answers, marks_expected=2)

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()


def test_two_moderators_mark_different_canonical_answers_through_the_view(moderators):
    clients = [client_for(m) for m in moderators]

    def one_round(_):
        question = QuestionFactory()
        answers = [published_answer(question, author) for author in author_pair()]
        responses = race(
            *[
                lambda c=c, a=a: c.post(
                    reverse("moderation:canonical", args=[a.pk]), {"canonical": "1"}
                )
                for c, a in zip(clients, answers, strict=True)
            ]
        )
        assert [r.status_code for r in responses] == [HTTPStatus.FOUND] * 2
        check_one_canonical(question, answers, marks_expected=2)

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()


def test_marking_and_unmarking_race_with_votes_by_the_same_authors(moderators):
    """A canonical mark moves two authors' reputation while they vote on each other's answers:
    member rows must be locked in one order, or the two transactions deadlock."""

    def one_round(_):
        low, high = UserFactory.create_batch(2, moderator=True)  # low.pk < high.pk
        question = QuestionFactory()
        by_low = published_answer(question, low)
        by_high = published_answer(question, high)
        canonical_set(moderator=moderators[0], answer=by_high)
        elsewhere_low = published_answer(QuestionFactory(), low)
        elsewhere_high = published_answer(QuestionFactory(), high)
        race(
            # Unmarks high's answer (high's points first), then marks low's.
            lambda: canonical_set(moderator=moderators[0], answer=by_low),
            lambda: vote_cast(user=low, answer=elsewhere_high, value=Vote.UP),
            lambda: vote_cast(user=high, answer=elsewhere_low, value=Vote.UP),
            lambda: canonical_set(
                moderator=moderators[1], answer=elsewhere_high, canonical=True
            ),
        )
        assert Answer.objects.get(pk=by_low.pk).is_canonical

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()


# (b) Several members flag one post at once, past the hide threshold.


def check_hidden_once(post, flaggers, results):
    flags = Flag.objects.filter(**{type(post).__name__.lower(): post})
    created = [r for r in results if isinstance(r, Flag)]
    refused = [r for r in results if isinstance(r, ModerationRefused)]
    assert len(created) + len(refused) == len(results)
    # The third flag hides the post; later ones find it unpublished (or are duplicates).
    assert len(created) == flags.count() == FLAGS_TO_HIDE
    assert flags.values("user").distinct().count() == flags.count()
    assert {f.user_id for f in flags} <= {u.pk for u in flaggers}
    post.refresh_from_db()
    assert post.status == Status.HIDDEN
    hides = AuditLogEntry.objects.filter(
        action=Action.HIDE, target_type=type(post).__name__.lower(), target_id=post.pk
    )
    assert hides.count() == 1
    assert hides.get().actor_id is None


def test_members_flag_one_answer_at_once_and_it_is_hidden_once():
    def one_round(_):
        question = QuestionFactory()
        answer = published_answer(question, UserFactory(moderator=True))
        flaggers = UserFactory.create_batch(FLAGS_TO_HIDE + 2)
        jobs = [
            lambda u=u: flag_create(user=u, post=answer, reason=Flag.Reason.SPAM)
            for u in flaggers
        ]
        # Two members also double-click.
        jobs += jobs[:2]
        check_hidden_once(answer, flaggers, race(*jobs))
        assert Question.objects.get(pk=question.pk).answer_count == 0

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()


def test_a_moderator_hides_a_post_while_the_last_flag_arrives(moderators):
    def one_round(_):
        answer = published_answer(QuestionFactory(), UserFactory(moderator=True))
        flaggers = UserFactory.create_batch(FLAGS_TO_HIDE)
        for flagger in flaggers[:-1]:
            flag_create(user=flagger, post=answer, reason=Flag.Reason.SPAM)
        results = race(
            lambda: flag_create(
                user=flaggers[-1], post=answer, reason=Flag.Reason.SPAM
            ),
            lambda: post_hide(moderator=moderators[0], post=answer, reason="spam"),
        )
        answer.refresh_from_db()
        assert answer.status == Status.HIDDEN
        hides = AuditLogEntry.objects.filter(action=Action.HIDE, target_id=answer.pk)
        assert hides.count() == 1
        flags = Flag.objects.filter(answer=answer)
        if isinstance(results[0], Flag) and hides.get().actor_id is None:
            assert flags.count() == FLAGS_TO_HIDE  # the flag hid it first
        else:  # the moderator hid it first: the open flags were settled as helpful
            assert not flags.filter(outcome=Flag.Outcome.OPEN).exists()

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()


def test_members_flag_one_comment_at_once_through_the_view():
    def one_round(_):
        answer = published_answer(QuestionFactory(), UserFactory(moderator=True))
        comment = comment_create(
            author=UserFactory(moderator=True), body="Not quite.", answer=answer
        )
        flaggers = UserFactory.create_batch(FLAGS_TO_HIDE + 2)
        clients = [client_for(u) for u in flaggers]
        url = reverse("moderation:flag", args=["comment", comment.pk])
        responses = race(
            *[lambda c=c: c.post(url, {"reason": "rude"}) for c in clients]
        )
        codes = sorted(r.status_code for r in responses)
        assert codes.count(HTTPStatus.FOUND) == FLAGS_TO_HIDE
        assert set(codes) <= {HTTPStatus.FOUND, HTTPStatus.NOT_FOUND}
        check_hidden_once(comment, flaggers, list(Flag.objects.filter(comment=comment)))
        assert Answer.objects.get(pk=answer.pk).comment_count == 0

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()


def test_flags_hiding_an_answer_race_with_a_canonical_mark_and_votes(moderators):
    """The auto-hide updates the question's counters while a moderator marks the answer canonical."""

    def one_round(_):
        question = QuestionFactory()
        answer = published_answer(question, UserFactory(moderator=True))
        other = published_answer(question, UserFactory(moderator=True))
        canonical_set(moderator=moderators[0], answer=other)
        flaggers = UserFactory.create_batch(FLAGS_TO_HIDE)
        for flagger in flaggers[:-1]:
            flag_create(user=flagger, post=answer, reason=Flag.Reason.WRONG)
        voter = UserFactory()
        race(
            lambda: flag_create(
                user=flaggers[-1], post=answer, reason=Flag.Reason.WRONG
            ),
            lambda: canonical_set(moderator=moderators[1], answer=answer),
            lambda: vote_cast(user=voter, answer=answer, value=Vote.UP),
            lambda: vote_cast(user=voter, answer=other, value=Vote.DOWN),
        )
        assert Answer.objects.filter(question=question, is_canonical=True).count() == 1

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()


# (c) Two reviews of one card at the same moment.


def practisable_question():
    # The factory writes the reference answer directly: bring the counters it skips up to date.
    question = _practisable_question()
    question_counters_refresh(question.pk)
    return question


def revealed_items(user, sessions, at):
    items = []
    for session in sessions:
        item = session.items.get()
        item_reveal(item=item, attempt="my attempt", now=at)
        items.append(item)
    return items


def check_cards(user):
    cards = Card.objects.filter(user=user)
    assert card_replay_mismatches(cards) == []
    for card in cards:
        assert card.review_count == card.reviews.count()
        assert (
            SessionItem.objects.filter(review__card=card).count()
            == card.reviews.count()
        )


def test_a_double_click_on_a_grade_records_one_review():
    def one_round(round_number):
        user = UserFactory()
        topics = [practisable_question().topic]
        start = NOW + timedelta(days=round_number)
        session = session_start(user=user, mode="new", topics=topics, size=1, now=start)
        (item,) = revealed_items(user, [session], start + timedelta(seconds=10))
        results = race(
            lambda: review_record(
                item=item, rating=3, now=start + timedelta(minutes=1)
            ),
            lambda: review_record(
                item=item, rating=4, now=start + timedelta(minutes=1)
            ),
        )
        assert sum(isinstance(r, Review) for r in results) == 1
        assert sum(isinstance(r, AlreadyGraded) for r in results) == 1
        assert Review.objects.filter(user=user).count() == 1
        check_cards(user)

    for round_number in range(ROUNDS):
        one_round(round_number)
    assert_invariants_hold()


def test_a_double_click_on_a_grade_through_the_view():
    def one_round(_):
        user = UserFactory()
        topics = [practisable_question().topic]
        session = session_start(user=user, mode="new", topics=topics, size=1)
        (item,) = revealed_items(user, [session], None)
        url = reverse("practice:grade", args=[session.pk, item.pk])
        clients = [client_for(user), client_for(user)]
        responses = race(*[lambda c=c: c.post(url, {"rating": "3"}) for c in clients])
        assert all(r.status_code < 400 for r in responses)
        assert Review.objects.filter(user=user).count() == 1
        check_cards(user)

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()


@pytest.mark.parametrize("card_exists", [False, True], ids=["new-card", "due-card"])
def test_one_card_graded_in_two_tabs_at_once(card_exists):
    """Two sessions (two tabs) show the same card; both grades arrive together, in either order
    of their timestamps. Both are recorded, and the card is the replay of its log."""

    def one_round(round_number):
        user = UserFactory()
        topics = [practisable_question().topic]  # this round's question only
        start = NOW + timedelta(days=30 * round_number)
        if card_exists:
            first = session_start(
                user=user, mode="new", topics=topics, size=1, now=start
            )
            (item,) = revealed_items(user, [first], start)
            review_record(item=item, rating=1, now=start + timedelta(seconds=30))
            start += timedelta(days=2)  # due again
        mode = "due" if card_exists else "new"
        sessions = [
            session_start(user=user, mode=mode, topics=topics, size=1, now=start)
            for _ in range(2)
        ]
        items = revealed_items(user, sessions, start + timedelta(seconds=5))
        results = race(
            lambda: review_record(
                item=items[0], rating=3, now=start + timedelta(minutes=2)
            ),
            lambda: review_record(
                item=items[1], rating=4, now=start + timedelta(minutes=1)
            ),
        )
        assert all(isinstance(r, Review) for r in results)
        card = Card.objects.get(user=user)
        assert card.review_count == 2 + card_exists
        assert card.last_review == max(r.reviewed_at for r in card.reviews.all())
        check_cards(user)

    for round_number in range(ROUNDS):
        one_round(round_number)
    assert_invariants_hold()


# (d) Votes racing with an undo, a deletion, a hide, a canonical mark.


def test_votes_race_with_the_deletion_of_the_answer():
    def one_round(_):
        author = UserFactory(moderator=True)
        answer = published_answer(QuestionFactory(), author)
        voters = UserFactory.create_batch(6)
        results = race(
            lambda: answer_delete(answer=answer, by=author),
            *[
                lambda v=v: vote_cast(user=v, answer=answer, value=Vote.UP)
                for v in voters
            ],
        )
        counted = [r for r in results[1:] if not isinstance(r, VoteRefused)]
        assert Vote.objects.filter(answer=answer).count() == len(counted)
        assert all(
            r.status == HTTPStatus.NOT_FOUND
            for r in results[1:]
            if isinstance(r, VoteRefused)
        )
        assert User.objects.get(pk=author.pk).reputation == 10 * len(counted)

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()


def test_votes_undos_and_switches_race_with_a_hide_and_a_canonical_mark(moderators):
    def one_round(_):
        question = QuestionFactory()
        answers = [published_answer(question, a) for a in author_pair()]
        voters = UserFactory.create_batch(4)
        for voter in voters:
            vote_cast(user=voter, answer=answers[0], value=Vote.UP)
        jobs = (
            [
                lambda v=v: vote_cast(user=v, answer=answers[0], value=Vote.UP)  # undo
                for v in voters[:2]
            ]
            + [
                lambda v=v: vote_cast(
                    user=v, answer=answers[0], value=Vote.DOWN
                )  # switch
                for v in voters[2:]
            ]
        )
        jobs += [
            lambda v=v: vote_cast(user=v, answer=answers[1], value=Vote.UP)
            for v in voters
        ]
        jobs += [
            lambda: canonical_set(moderator=moderators[0], answer=answers[0]),
            lambda: canonical_set(moderator=moderators[1], answer=answers[1]),
            lambda: post_hide(moderator=moderators[0], post=answers[1], reason="off"),
        ]
        race(*jobs)
        assert Answer.objects.filter(question=question, is_canonical=True).count() == 1
        assert reputation_recompute() == 0

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()


def test_comments_posted_at_once_on_one_answer_are_all_counted():
    def one_round(_):
        answer = published_answer(QuestionFactory(), UserFactory(moderator=True))
        commenters = UserFactory.create_batch(4, moderator=True)
        race(
            *[
                lambda u=u: comment_create(
                    author=u, body="Me too, same.", answer=answer
                )
                for u in commenters
            ]
        )
        assert Answer.objects.get(pk=answer.pk).comment_count == len(commenters)

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()


def test_answers_posted_at_once_to_one_question_are_all_counted():
    # answer_published updates the question's last activity before the recount: that UPDATE
    # takes the row lock, so the recount runs after the other posts committed.
    def one_round(_):
        question = QuestionFactory()
        authors = UserFactory.create_batch(4, moderator=True)
        race(
            *[
                lambda u=u: answer_create(question=question, author=u, body=BODY)
                for u in authors
            ]
        )
        assert Question.objects.get(pk=question.pk).answer_count == len(authors)

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()


def test_an_answer_deleted_while_others_are_posted_keeps_the_count():
    def one_round(round_number):
        question = QuestionFactory()
        author = UserFactory(moderator=True)
        answer = published_answer(question, author)
        authors = UserFactory.create_batch(3, moderator=True)
        delay = round_number * 0.01  # sweep the deletion across the posts' transactions
        race(
            lambda delay=delay: (
                time.sleep(delay) or answer_delete(answer=answer, by=author)
            ),
            *[
                lambda u=u: answer_create(question=question, author=u, body=BODY)
                for u in authors
            ],
        )
        assert Question.objects.get(pk=question.pk).answer_count == len(authors)

    for round_number in range(ROUNDS * 2):
        one_round(round_number)
    assert_invariants_hold()


def test_comments_race_with_flags_hiding_their_answer():
    """One comment at a time (see above), while the third flag hides the answer."""

    def one_round(_):
        question = QuestionFactory()
        answer = published_answer(question, UserFactory(moderator=True))
        flaggers = UserFactory.create_batch(FLAGS_TO_HIDE)
        commenter, answerer = UserFactory.create_batch(2, moderator=True)
        race(
            *[
                lambda u=u: flag_create(user=u, post=answer, reason=Flag.Reason.SPAM)
                for u in flaggers
            ],
            lambda: comment_create(author=commenter, body="Me too.", answer=answer),
            lambda: answer_create(question=question, author=answerer, body=BODY),
        )
        assert Comment.objects.filter(answer=answer).count() == 1

    for number in range(ROUNDS):
        one_round(number)
    assert_invariants_hold()
