import threading
from datetime import timedelta
from http import HTTPStatus
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import User
from questions.models import Answer, Vote
from questions.services.reputation import (
    REPUTATION_DOWNVOTE,
    REPUTATION_UPVOTE,
    reputation_recompute,
)
from questions.services.votes import DAILY_VOTE_LIMIT, VoteRefused, vote_cast
from tests.factories import AnswerFactory, QuestionFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db


HTMX = {"HTTP_HX_REQUEST": "true"}


def vote_url(answer):
    return reverse("questions:answer-vote", kwargs={"pk": answer.pk})


def score_of(answer):
    return Answer.objects.values_list("score", flat=True).get(pk=answer.pk)


def votes_on(answer):
    return list(Vote.objects.filter(answer=answer).values_list("user_id", "value"))


def refusal(callable_):
    with pytest.raises(VoteRefused) as excinfo:
        callable_()
    return excinfo.value


# Services


def test_upvote_counts_once_and_is_remembered(user):
    answer = AnswerFactory()
    result = vote_cast(user=user, answer=answer, value=Vote.UP)
    assert (result.score, result.my_vote) == (1, Vote.UP)
    assert score_of(answer) == 1
    assert votes_on(answer) == [(user.pk, Vote.UP)]


def test_downvote(user):
    answer = AnswerFactory()
    result = vote_cast(user=user, answer=answer, value=Vote.DOWN)
    assert (result.score, result.my_vote) == (-1, Vote.DOWN)
    assert votes_on(answer) == [(user.pk, Vote.DOWN)]


def test_the_same_direction_again_undoes_the_vote(user):
    answer = AnswerFactory()
    vote_cast(user=user, answer=answer, value=Vote.UP)
    result = vote_cast(user=user, answer=answer, value=Vote.UP)
    assert (result.score, result.my_vote) == (0, None)
    assert votes_on(answer) == []
    vote_cast(user=user, answer=answer, value=Vote.DOWN)
    assert vote_cast(user=user, answer=answer, value=Vote.DOWN).score == 0


def test_the_other_direction_switches_the_vote_and_keeps_its_date(user):
    answer = AnswerFactory()
    vote_cast(user=user, answer=answer, value=Vote.UP)
    cast_at = Vote.objects.get(user=user, answer=answer).created_at
    result = vote_cast(user=user, answer=answer, value=Vote.DOWN)
    assert (result.score, result.my_vote) == (-1, Vote.DOWN)
    assert votes_on(answer) == [(user.pk, Vote.DOWN)]
    assert Vote.objects.get(user=user, answer=answer).created_at == cast_at
    assert vote_cast(user=user, answer=answer, value=Vote.UP).score == 1


def test_scores_add_up_over_several_voters():
    answer = AnswerFactory()
    for value in (Vote.UP, Vote.UP, Vote.DOWN, Vote.UP):
        vote_cast(user=UserFactory(), answer=answer, value=value)
    assert (
        score_of(answer)
        == 2
        == Vote.objects.filter(answer=answer).aggregate(total=Sum("value"))["total"]
    )


def test_voting_on_your_own_answer_is_refused(user):
    answer = AnswerFactory(author=user)
    refused = refusal(lambda: vote_cast(user=user, answer=answer, value=Vote.UP))
    assert refused.status == HTTPStatus.FORBIDDEN
    assert "your own answer" in refused.message
    assert votes_on(answer) == [] and score_of(answer) == 0


def test_voting_on_a_deleted_answer_is_refused(user):
    answer = AnswerFactory(deleted_at=timezone.now())
    assert (
        refusal(lambda: vote_cast(user=user, answer=answer, value=Vote.UP)).status
        == HTTPStatus.NOT_FOUND
    )
    assert votes_on(answer) == []


def test_reference_answers_take_votes(user):
    answer = AnswerFactory(author=None, source=SourceFactory())
    assert vote_cast(user=user, answer=answer, value=Vote.UP).score == 1


@pytest.mark.parametrize("value", [0, 2, -2, None])
def test_a_vote_is_up_or_down(user, value):
    answer = AnswerFactory()
    assert (
        refusal(lambda: vote_cast(user=user, answer=answer, value=value)).status
        == HTTPStatus.BAD_REQUEST
    )
    assert votes_on(answer) == []


def test_at_most_forty_new_votes_a_day_but_undo_and_switch_still_work(user):
    question = QuestionFactory()
    answers = AnswerFactory.create_batch(
        DAILY_VOTE_LIMIT + 1, question=question, author=UserFactory()
    )
    for answer in answers[:DAILY_VOTE_LIMIT]:
        vote_cast(user=user, answer=answer, value=Vote.UP)

    refused = refusal(lambda: vote_cast(user=user, answer=answers[-1], value=Vote.UP))
    assert refused.status == HTTPStatus.TOO_MANY_REQUESTS
    assert "40 votes" in refused.message
    assert votes_on(answers[-1]) == []

    # At the limit, a switch or an undo is not a new vote.
    assert vote_cast(user=user, answer=answers[0], value=Vote.DOWN).my_vote == Vote.DOWN
    assert vote_cast(user=user, answer=answers[1], value=Vote.UP).my_vote is None
    # The undone vote is gone, so it no longer counts against the limit.
    assert vote_cast(user=user, answer=answers[-1], value=Vote.UP).my_vote == Vote.UP


def test_votes_older_than_a_day_leave_the_limit(user):
    question = QuestionFactory()
    answers = AnswerFactory.create_batch(
        DAILY_VOTE_LIMIT + 1, question=question, author=UserFactory()
    )
    for answer in answers[:DAILY_VOTE_LIMIT]:
        vote_cast(user=user, answer=answer, value=Vote.UP)
    Vote.objects.filter(answer=answers[0]).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    assert vote_cast(user=user, answer=answers[-1], value=Vote.UP).score == 1


# The view: permissions in sequence


def test_anonymous_visitors_are_sent_to_log_in(client):
    answer = AnswerFactory()
    response = client.post(vote_url(answer), {"value": "1"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))
    assert votes_on(answer) == []


def test_members_without_a_verified_email_are_refused(client):
    client.force_login(UserFactory(verified=False))
    answer = AnswerFactory()
    response = client.post(vote_url(answer), {"value": "1"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Verify your e-mail" in response.content.decode()
    assert votes_on(answer) == []


def test_without_javascript_a_vote_redirects_back_to_the_answer(user_client, user):
    answer = AnswerFactory()
    response = user_client.post(vote_url(answer), {"value": "1"})
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response["Location"] == answer.get_absolute_url()
    assert response["Location"].endswith(f"#answer-{answer.pk}")
    assert score_of(answer) == 1 and votes_on(answer) == [(user.pk, Vote.UP)]


def test_voting_is_post_only(user_client):
    answer = AnswerFactory()
    assert (
        user_client.get(vote_url(answer)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    )


def test_htmx_gets_the_vote_box_back_with_the_new_score_and_pressed_button(user_client):
    answer = AnswerFactory(score=4)
    response = user_client.post(vote_url(answer), {"value": "1"}, **HTMX)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<html" not in html and html.strip().startswith(
        f'<div class="vote-box" id="vote-box-{answer.pk}"'
    )
    assert ">5</span>" in html
    assert (
        f'id="vote-up-{answer.pk}" class="vote-button vote-up" aria-pressed="true"'
        in html
    )
    assert (
        f'id="vote-down-{answer.pk}" class="vote-button vote-down" aria-pressed="false"'
        in html
    )

    html = user_client.post(vote_url(answer), {"value": "-1"}, **HTMX).content.decode()
    assert ">3</span>" in html
    assert (
        'vote-up" aria-pressed="false"' in html
        and 'vote-down" aria-pressed="true"' in html
    )

    html = user_client.post(vote_url(answer), {"value": "-1"}, **HTMX).content.decode()
    assert ">4</span>" in html and 'aria-pressed="true"' not in html


def test_voting_on_your_own_answer_is_refused_with_a_message(user_client, user):
    answer = AnswerFactory(author=user)
    response = user_client.post(vote_url(answer), {"value": "1"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "You can&#x27;t vote on your own answer." in response.content.decode()

    response = user_client.post(vote_url(answer), {"value": "1"}, **HTMX)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert (
        response["HX-Retarget"] == "#htmx-messages"
    )  # the message goes to the page, the box stays
    assert 'class="refusal"' in response.content.decode()
    assert votes_on(answer) == []


def test_the_forty_first_new_vote_of_the_day_gets_429(user_client, user):
    question = QuestionFactory()
    answers = AnswerFactory.create_batch(
        DAILY_VOTE_LIMIT + 1, question=question, author=UserFactory()
    )
    for answer in answers[:DAILY_VOTE_LIMIT]:
        assert (
            user_client.post(vote_url(answer), {"value": "1"}, **HTMX).status_code
            == HTTPStatus.OK
        )
    response = user_client.post(vote_url(answers[-1]), {"value": "1"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "daily limit" in response.content.decode()
    assert (
        user_client.post(vote_url(answers[-1]), {"value": "1"}, **HTMX).status_code
        == HTTPStatus.TOO_MANY_REQUESTS
    )
    # Undoing at the limit is fine.
    assert (
        user_client.post(vote_url(answers[0]), {"value": "1"}, **HTMX).status_code
        == HTTPStatus.OK
    )


def test_deleted_or_missing_answers_are_404(user_client):
    answer = AnswerFactory(deleted_at=timezone.now())
    assert (
        user_client.post(vote_url(answer), {"value": "1"}).status_code
        == HTTPStatus.NOT_FOUND
    )
    response = user_client.post(vote_url(answer), {"value": "1"}, **HTMX)
    assert (
        response.status_code == HTTPStatus.NOT_FOUND
        and response["HX-Retarget"] == "#htmx-messages"
    )
    missing = reverse("questions:answer-vote", kwargs={"pk": answer.pk + 1000})
    assert user_client.post(missing, {"value": "1"}).status_code == HTTPStatus.NOT_FOUND
    assert votes_on(answer) == []


@pytest.mark.parametrize(
    "data", [{}, {"value": "0"}, {"value": "2"}, {"value": "up"}, {"value": "+1"}]
)
def test_a_bad_value_is_400(user_client, data):
    answer = AnswerFactory()
    assert (
        user_client.post(vote_url(answer), data).status_code == HTTPStatus.BAD_REQUEST
    )
    assert votes_on(answer) == []


def test_reference_answers_can_be_voted_through_the_view(user_client):
    answer = AnswerFactory(author=None, source=SourceFactory())
    assert (
        user_client.post(vote_url(answer), {"value": "-1"}).status_code
        == HTTPStatus.SEE_OTHER
    )
    assert score_of(answer) == -1


# The vote box as the question page includes it


def render_box(rf, answer, user, my_vote=None):
    """The box as the question page includes it, with `my_vote` annotated on the answer."""
    request = rf.get(answer.get_absolute_url())
    request.user = user
    answer.my_vote = my_vote
    return render_to_string(
        "questions/includes/vote_box.html", {"answer": answer}, request=request
    )


def test_the_vote_box_shows_buttons_labels_and_the_current_vote(rf, user):
    answer = AnswerFactory(score=7)
    html = render_box(rf, answer, user, my_vote=Vote.DOWN)
    assert f'action="{vote_url(answer)}" data-hx-post="{vote_url(answer)}"' in html
    assert 'data-hx-target="this" data-hx-swap="outerHTML"' in html
    assert 'name="value" value="1"' in html and 'name="value" value="-1"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert ">Upvote<" in html and ">Downvote<" in html and ">Score: </span>7<" in html
    assert (
        'vote-up" aria-pressed="false"' in html
        and 'vote-down" aria-pressed="true"' in html
    )


def test_visitors_see_the_score_and_a_sign_in_link(rf):
    answer = AnswerFactory(score=3)
    html = render_box(rf, answer, AnonymousUser())
    assert "<form" not in html and "disabled" in html
    assert "Sign in to vote" in html and reverse("account_login") in html
    assert ">Score: </span>3<" in html


def test_authors_see_their_score_without_buttons(rf, user):
    answer = AnswerFactory(author=user, score=2)
    html = render_box(rf, answer, user)
    assert "<form" not in html and "<button" not in html
    assert ">Score: </span>2<" in html


# PostgreSQL: real row locks under concurrency


def run_in_threads(jobs):
    """Run each job in its own thread and database connection, all starting together."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait()
            job()
        except (
            Exception
        ) as error:  # reported below: an exception in a thread would be lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_on_one_answer_lose_no_count():
    answer = AnswerFactory()
    voters = UserFactory.create_batch(12)

    # Mixed traffic on the same answer row: plain votes, a switch (up then down), an undo then a new vote.
    sequences = [
        [Vote.UP],
        [Vote.UP],
        [Vote.UP, Vote.DOWN],
        [Vote.DOWN, Vote.DOWN, Vote.UP],
    ]

    def job_for(index, voter):
        return lambda: [
            vote_cast(user=voter, answer=answer, value=value)
            for value in sequences[index % 4]
        ]

    assert run_in_threads([job_for(i, voter) for i, voter in enumerate(voters)]) == []

    # Three voters end on each of: up, up, down, up.
    total = Vote.objects.filter(answer=answer).aggregate(total=Sum("value"))["total"]
    assert score_of(answer) == total == 3 * (1 + 1 - 1 + 1)
    author = User.objects.get(pk=answer.author_id)
    assert author.reputation == 3 * (3 * REPUTATION_UPVOTE + REPUTATION_DOWNVOTE)
    assert reputation_recompute() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_clicks_by_one_member_run_one_after_the_other():
    answer = AnswerFactory()
    same, crossed = UserFactory.create_batch(4), UserFactory.create_batch(4)
    jobs = []
    for voter in same:  # up twice at once: a vote, then its undo
        jobs += [
            lambda voter=voter: vote_cast(user=voter, answer=answer, value=Vote.UP)
        ] * 2
    for voter in crossed:  # up and down at once: a vote, then a switch, in either order
        jobs += [
            lambda voter=voter: vote_cast(user=voter, answer=answer, value=Vote.UP),
            lambda voter=voter: vote_cast(user=voter, answer=answer, value=Vote.DOWN),
        ]
    assert run_in_threads(jobs) == []
    assert not Vote.objects.filter(answer=answer, user__in=same).exists()
    assert Vote.objects.filter(answer=answer, user__in=crossed).count() == len(crossed)
    assert (
        score_of(answer)
        == Vote.objects.filter(answer=answer).aggregate(total=Sum("value"))["total"]
    )
    assert reputation_recompute() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_members_voting_on_each_others_answers_at_once_do_not_deadlock():
    members = UserFactory.create_batch(12)
    question = QuestionFactory()
    answers = {
        member.pk: AnswerFactory(question=question, author=member) for member in members
    }
    # Pairs (a, b): a votes on b's answer while b votes on a's.
    jobs = []
    for a, b in zip(members[::2], members[1::2], strict=True):
        jobs.append(
            lambda a=a, b=b: vote_cast(user=a, answer=answers[b.pk], value=Vote.UP)
        )
        jobs.append(
            lambda a=a, b=b: vote_cast(user=b, answer=answers[a.pk], value=Vote.UP)
        )
    assert run_in_threads(jobs) == []
    assert set(
        User.objects.filter(pk__in=answers).values_list("reputation", flat=True)
    ) == {REPUTATION_UPVOTE}
    assert reputation_recompute() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_daily_limit_holds_when_one_member_votes_on_many_answers_at_once():
    voter = UserFactory()
    question = QuestionFactory()
    answers = AnswerFactory.create_batch(
        DAILY_VOTE_LIMIT + 5, question=question, author=UserFactory()
    )
    for answer in answers[: DAILY_VOTE_LIMIT - 1]:
        vote_cast(user=voter, answer=answer, value=Vote.UP)
    racing = answers[DAILY_VOTE_LIMIT - 1 :]
    errors = run_in_threads(
        [
            lambda answer=answer: vote_cast(user=voter, answer=answer, value=Vote.UP)
            for answer in racing
        ]
    )
    assert Vote.objects.filter(user=voter).count() == DAILY_VOTE_LIMIT
    assert len(errors) == len(racing) - 1
    assert all(
        isinstance(error, VoteRefused) and error.status == HTTPStatus.TOO_MANY_REQUESTS
        for error in errors
    )


# The two implementations: mlqa_vote_cast (PostgreSQL) and the ORM path (SQLite)

VOTE_STEPS = st.lists(
    st.tuples(
        st.integers(0, 2),  # which voter
        st.integers(0, 4),  # which answer
        st.sampled_from([Vote.UP, Vote.DOWN]),
    ),
    min_size=1,
    max_size=25,
)


def _vote_world():
    """Three voters; answers by two of them, one by an outsider, a reference answer and a hidden one."""
    voters = UserFactory.create_batch(3)
    outsider = UserFactory()
    question, other_question = QuestionFactory.create_batch(2)
    answers = [
        AnswerFactory(question=question, author=voters[0]),
        AnswerFactory(question=question, author=voters[1]),
        AnswerFactory(question=question, author=outsider),
        AnswerFactory(question=other_question, author=None, source=SourceFactory()),
        AnswerFactory(question=other_question, author=outsider, status="hidden"),
    ]
    return voters, answers, [*voters, outsider], [question, other_question]


def _play(cast, steps, voters, answers):
    outcomes = []
    for voter, answer, value in steps:
        try:
            result = cast(voters[voter], answers[answer].pk, value)
            outcomes.append((result.score, result.my_vote, result.question_id))
        except VoteRefused as refused:
            outcomes.append((refused.status, refused.message))
    return outcomes


def _state(members, answers, questions):
    return {
        "scores": [score_of(a) for a in answers],
        "top_scores": list(
            type(questions[0])
            .objects.filter(pk__in=[q.pk for q in questions])
            .order_by("pk")
            .values_list("top_score", flat=True)
        ),
        "reputation": list(
            User.objects.filter(pk__in=[m.pk for m in members])
            .order_by("pk")
            .values_list("reputation", flat=True)
        ),
        "votes": sorted(
            Vote.objects.filter(answer__in=answers).values_list(
                "user_id", "answer_id", "value"
            )
        ),
    }


@pytest.mark.postgres
@settings(max_examples=60, deadline=None)
@given(steps=VOTE_STEPS)
def test_the_postgresql_function_and_the_orm_path_agree(steps):
    """Every sequence of votes, undos and switches (with a daily limit of 3 to reach it) gives the
    same outcomes, scores, top scores, reputation and vote rows through mlqa_vote_cast as through
    the ORM steps SQLite uses."""
    from questions.services import votes

    played = {}
    for name, cast in (
        (
            "function",
            lambda user, pk, value: votes._vote_cast_postgresql(user.pk, pk, value),
        ),
        ("orm", votes._vote_cast_orm),
    ):
        with transaction.atomic(), mock.patch.object(votes, "DAILY_VOTE_LIMIT", 3):
            voters, answers, members, questions = _vote_world()
            outcomes = _play(cast, steps, voters, answers)
            # The rows' ids differ between the two runs: compare by position.
            state = _state(members, answers, questions)
            member_at = {m.pk: i for i, m in enumerate(members)}
            answer_at = {a.pk: i for i, a in enumerate(answers)}
            question_at = {q.pk: i for i, q in enumerate(questions)}
            state["votes"] = sorted(
                (member_at[user], answer_at[answer], value)
                for user, answer, value in state["votes"]
            )
            outcomes = [
                (o[0], o[1], question_at[o[2]]) if len(o) == 3 else o for o in outcomes
            ]
            played[name] = (outcomes, state)
            transaction.set_rollback(True)
    assert played["function"] == played["orm"]
