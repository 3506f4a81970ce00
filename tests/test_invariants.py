"""devtools.invariants: silent on data written by the services, and names each kind of corrupted row."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F

from accounts.models import User
from devtools.invariants import card_replay_mismatches, check_invariants, queries
from moderation.models import Flag
from moderation.services import canonical_set, flag_create, post_approve
from practice.models import Card
from practice.services import item_reveal, review_record, session_start
from questions.models import Answer, AnswerRevision, Question, Vote
from questions.services.answers import answer_create
from questions.services.comments import comment_create
from questions.services.counters import question_counters_refresh
from questions.services.votes import vote_cast
from tests.factories import QuestionFactory, UserFactory
from tests.practice_factories import NOW, practisable_question

pytestmark = pytest.mark.django_db

BODY = "Gradient descent moves the weights against the gradient of the loss."


def build_world():
    """A little of everything, written only through the services."""
    moderator = UserFactory(moderator=True)
    author, learner = UserFactory(), UserFactory()
    voters = UserFactory.create_batch(3)
    question = QuestionFactory()
    by_moderator = answer_create(question=question, author=moderator, body=BODY)
    pending = answer_create(question=question, author=author, body=BODY + " Twice.")
    by_author = post_approve(moderator=moderator, post=pending)
    for voter in voters:
        vote_cast(user=voter, answer=by_author, value=Vote.UP)
    vote_cast(user=voters[0], answer=by_moderator, value=Vote.DOWN)
    canonical_set(moderator=moderator, answer=by_author)
    comment = comment_create(
        author=moderator, body="A fair point, well made.", answer=by_author
    )
    flag_create(user=voters[1], post=comment, reason=Flag.Reason.RUDE)

    # The factory writes the reference answer directly: bring the counters it skips up to date.
    question_counters_refresh(practisable_question().pk)
    session = session_start(user=learner, mode="due", size=3, now=NOW)
    item = session.items.get()
    item_reveal(item=item, attempt="try", now=NOW + timedelta(seconds=20))
    review_record(item=item, rating=3, now=NOW + timedelta(minutes=1))
    return {
        "question": question,
        "answer": by_author,
        "other_answer": by_moderator,
        "comment": comment,
        "author": author,
        "card": Card.objects.get(user=learner),
    }


@pytest.fixture
def world():
    world = build_world()
    assert check_invariants(replay_cards=True) == {
        name: [] for name in [*queries(), "card_replay"]
    }
    return world


def broken(**expected):
    """Assert exactly these invariants are broken, by exactly these ids."""
    found = {name: ids for name, ids in check_invariants().items() if ids}
    assert found == expected


def drop_constraint(model, name):
    # The database refuses this corruption; drop the constraint (the test's transaction restores
    # it). Conditional unique constraints are partial unique indexes on SQLite and PostgreSQL.
    assert any(c.name == name for c in model._meta.constraints)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")


def test_an_empty_database_has_no_violations():
    assert all(ids == [] for ids in check_invariants(replay_cards=True).values())


def test_data_written_by_the_services_has_no_violations(world):
    assert world["answer"].pk


def test_a_score_that_is_not_the_sum_of_the_votes(world):
    Answer.objects.filter(pk=world["answer"].pk).update(score=F("score") + 1)
    # It is the question's best answer, so its top score (where the schema has one) is off too.
    also = {"question_top_score": [world["question"].pk]}
    broken(
        answer_score=[world["answer"].pk],
        **also if "question_top_score" in queries() else {},
    )


def test_two_canonical_answers_on_one_question(world):
    drop_constraint(Answer, "answer_one_canonical_per_question")
    other = world["other_answer"]
    Answer.objects.filter(pk=other.pk).update(is_canonical=True)
    # The second mark gave its author no points, so reputation is off too.
    broken(
        one_canonical_per_question=[world["question"].pk],
        reputation=[other.author_id],
    )


def test_reputation_that_is_not_its_recomputation(world):
    User.objects.filter(pk=world["author"].pk).update(reputation=F("reputation") - 2)
    broken(reputation=[world["author"].pk])


def test_question_counters(world):
    question = world["question"]
    Question.objects.filter(pk=question.pk).update(
        answer_count=F("answer_count") + 1, has_reference_answer=True
    )
    broken(
        question_answer_count=[question.pk],
        question_has_reference_answer=[question.pk],
    )


def test_question_top_score(world):
    if "question_top_score" not in queries():
        pytest.skip("Question.top_score is not in this schema")
    question = world["question"]
    Question.objects.filter(pk=question.pk).update(top_score=None)
    broken(question_top_score=[question.pk])


def test_answer_counters(world):
    answer = world["answer"]
    Answer.objects.filter(pk=answer.pk).update(comment_count=0)
    AnswerRevision.objects.filter(answer=answer).delete()
    broken(answer_comment_count=[answer.pk], answer_revision_count=[answer.pk])


def test_approved_post_count_below_the_published_posts(world):
    author = world["author"]
    User.objects.filter(pk=author.pk).update(approved_post_count=0)
    broken(approved_post_count=[author.pk])


def test_approved_post_count_may_exceed_the_published_posts(world):
    # Hidden and deleted posts stay counted: the counter only grows.
    User.objects.filter(pk=world["author"].pk).update(approved_post_count=99)
    broken()


def test_a_second_flag_by_the_same_member(world):
    drop_constraint(Flag, "flag_once_per_comment")
    first = Flag.objects.get()
    second = Flag.objects.create(
        user=first.user, comment=first.comment, reason=Flag.Reason.SPAM
    )
    broken(one_flag_per_member_per_post=[second.pk])


def test_card_review_count_last_review_and_owner(world):
    card = world["card"]
    Card.objects.filter(pk=card.pk).update(review_count=2)
    broken(card_review_log=[card.pk])
    Card.objects.filter(pk=card.pk).update(
        review_count=1, last_review=card.last_review + timedelta(seconds=1)
    )
    broken(card_review_log=[card.pk])
    Card.objects.filter(pk=card.pk).update(last_review=card.last_review)
    card.reviews.update(user=world["author"])
    broken(card_review_log=[card.pk])


def test_a_card_whose_state_is_not_the_replay_of_its_reviews(world):
    card = world["card"]
    Card.objects.filter(pk=card.pk).update(stability=F("stability") * 2)
    broken()  # set-based checks can't see it; the replay does
    assert card_replay_mismatches() == [card.pk]
    assert check_invariants(replay_cards=True)["card_replay"] == [card.pk]


def run_command(*args):
    out = StringIO()
    try:
        call_command("check_invariants", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, json.loads(out.getvalue())


def test_the_command_prints_json_and_exits_0_when_all_hold(world):
    code, report = run_command("--replay-cards")
    assert code == 0
    assert report["ok"] is True
    assert (
        set(report["violations"])
        == set(report["counts"])
        == {
            *queries(),
            "card_replay",
        }
    )
    assert not any(report["counts"].values())


def test_the_command_exits_1_and_shows_the_first_ids_and_counts(world):
    question = world["question"]
    extra = QuestionFactory.create_batch(12)
    Question.objects.filter(pk__in=[question.pk, *[q.pk for q in extra]]).update(
        answer_count=7
    )
    code, report = run_command()
    assert code == 1
    assert report["ok"] is False
    assert report["counts"]["question_answer_count"] == 13
    assert len(report["violations"]["question_answer_count"]) == 10
    assert report["counts"]["answer_score"] == 0
