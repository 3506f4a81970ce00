"""generate_demo_data: counts, counters consistent with the rows, reproducibility, reset.

Runs on SQLite (bulk_create) and, in the PostgreSQL suite, on PostgreSQL (COPY); the COPY-only
parts are marked `postgres`.
"""

import io
import random

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from accounts.models import User
from devtools.demo_data import (
    DEMO_PASSWORD,
    SCALES,
    Counts,
    demo_data_summary,
    generate_demo_data,
)
from devtools.demo_data.community import (
    SHOWCASE_ANSWERS,
    SHOWCASE_COMMENTS,
    SHOWCASE_DEDUP_KEY,
    USERNAME_PREFIX,
)
from devtools.demo_data.practice import practice_models
from devtools.demo_data.text import TextBank
from questions.markdown import render_markdown
from questions.models import Answer, Comment, Question, Status, Vote
from questions.services.reputation import reputation_recompute

TINY = Counts(users=12, questions=15, answers=60, votes=150, comments=80, reviews=60)


def _quiet(*args):
    pass


@pytest.fixture
def bank(db):
    call_command("import_seeds", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def small(bank):
    call_command(
        "generate_demo_data",
        "--scale",
        "small",
        "--seed",
        "7",
        stdout=io.StringIO(),
    )


def test_small_scale_has_the_requested_counts(small):
    counts = SCALES["small"]
    generated = User.objects.filter(username__startswith=USERNAME_PREFIX)
    assert generated.count() == counts.users
    assert (
        Question.objects.filter(dedup_key__startswith="demo-gen-").count()
        == counts.questions
    )
    assert Answer.objects.filter(author__in=generated).count() == counts.answers
    assert Vote.objects.filter(user__in=generated).count() == counts.votes
    assert Comment.objects.filter(author__in=generated).count() == counts.comments
    if practice_models():
        assert demo_data_summary()["reviews"] == counts.reviews
    # Ordinary verified members sharing one password hash; one of them a moderator.
    assert (
        EmailAddress.objects.filter(
            user__in=generated, verified=True, primary=True
        ).count()
        == counts.users
    )
    assert generated.values("password").distinct().count() == 1
    assert generated.get(username="demo-gen-00001").check_password(DEMO_PASSWORD)
    assert sum(user.is_moderator for user in generated) >= 1


def test_counters_agree_with_the_rows(small):
    live = Q(answers__status=Status.PUBLISHED, answers__deleted_at__isnull=True)
    assert (
        not Answer.objects.annotate(total=Coalesce(Sum("votes__value"), 0))
        .exclude(score=F("total"))
        .exists()
    )
    published_comments = Count(
        "comments",
        filter=Q(comments__status=Status.PUBLISHED, comments__deleted_at__isnull=True),
    )
    assert (
        not Answer.objects.annotate(n=published_comments)
        .exclude(comment_count=F("n"))
        .exists()
    )
    assert (
        not Question.objects.annotate(
            n=Count("answers", filter=live & Q(answers__source__isnull=True))
        )
        .exclude(answer_count=F("n"))
        .exists()
    )
    references = Answer.objects.filter(
        question=OuterRef("pk"),
        source__isnull=False,
        status=Status.PUBLISHED,
        deleted_at__isnull=True,
    )
    assert not Question.objects.exclude(
        has_reference_answer=Exists(references)
    ).exists()
    assert (
        not Question.objects.annotate(latest=Max("answers__created_at", filter=live))
        .filter(latest__gt=F("last_activity_at"))
        .exists()
    )
    # At most one canonical answer per question, one vote per member and answer, none on one's own.
    assert (
        not Answer.objects.filter(is_canonical=True)
        .values("question")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert (
        not Vote.objects.values("user", "answer")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not Vote.objects.filter(answer__author=F("user")).exists()
    assert Answer.objects.filter(
        is_canonical=True, author__username__startswith=USERNAME_PREFIX
    ).exists()
    # Reputation as the recompute gives it; approved posts as published answers plus comments.
    assert reputation_recompute() == 0
    for user in User.objects.filter(username__startswith=USERNAME_PREFIX):
        posts = (
            user.answers.filter(status=Status.PUBLISHED).count()
            + user.comments.filter(status=Status.PUBLISHED).count()
        )
        assert user.approved_post_count == posts
    # Every answer has its one revision.
    assert (
        not Answer.objects.annotate(n=Count("revisions"))
        .exclude(revision_count=F("n"))
        .exists()
    )


def test_showcase_question_has_20_answers_and_50_comments(small):
    showcase = Question.objects.get(dedup_key=SHOWCASE_DEDUP_KEY)
    assert showcase.answer_count == SHOWCASE_ANSWERS
    comments = Comment.objects.filter(
        answer__question=showcase, status=Status.PUBLISHED
    )
    assert comments.count() == SHOWCASE_COMMENTS


def test_stored_html_is_what_rendering_the_markdown_gives(small):
    answers = list(
        Answer.objects.filter(author__username__startswith=USERNAME_PREFIX).order_by(
            "pk"
        )[:40]
    )
    for answer in answers:
        assert render_markdown(answer.body) == answer.body_html
    text, rng = TextBank(), random.Random(3)
    for _ in range(200):
        body, html = text.answer(rng)
        assert render_markdown(body) == html


def test_practice_cards_equal_the_replay_of_their_reviews(small):
    found = practice_models()
    if found is None:
        pytest.skip("the practice app's models are not there yet")
    from practice.scheduling import rebuild_card

    card_model, _review, _ = found
    cards = card_model.objects.filter(
        user__username__startswith=USERNAME_PREFIX
    ).order_by("pk")[:30]
    assert cards
    for card in cards:
        rebuilt = rebuild_card(card, card.reviews.all())
        assert rebuilt.review_count == card.review_count == card.reviews.count()
        assert rebuilt.state == card.state and rebuilt.due == card.due
        assert rebuilt.stability == pytest.approx(card.stability)
        assert rebuilt.recent_weight == pytest.approx(card.recent_weight)


def test_same_seed_same_data_and_reset_replaces_it(bank):
    first = generate_demo_data(TINY, seed=11, write=_quiet)
    with pytest.raises(Exception, match="--reset"):
        generate_demo_data(TINY, seed=11, write=_quiet)
    again = generate_demo_data(TINY, seed=11, reset=True, write=_quiet)
    assert again == first
    other = generate_demo_data(TINY, seed=12, reset=True, write=_quiet)
    assert other["users"] == first["users"] and other != first


def test_second_run_refused_then_reset(small):
    with pytest.raises(CommandError, match="--reset"):
        call_command("generate_demo_data", "--scale", "small", stdout=io.StringIO())
    call_command("generate_demo_data", "--delete-only", stdout=io.StringIO())
    assert not User.objects.filter(username__startswith=USERNAME_PREFIX).exists()
    assert not Question.objects.filter(dedup_key__startswith="demo-gen-").exists()
    assert not Question.objects.exclude(
        answer_count=0
    ).exists()  # the bank has only reference answers
    assert reputation_recompute() == 0


def test_needs_the_imported_bank(db):
    with pytest.raises(CommandError, match="import_seeds"):
        call_command("generate_demo_data", stdout=io.StringIO())


def test_refused_in_production(bank, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("generate_demo_data", stdout=io.StringIO())


@pytest.mark.postgres
def test_copy_load_keeps_indexes_and_foreign_keys(bank):
    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
            )
            return dict(cursor.fetchall())

    before = indexes()
    generate_demo_data(TINY, seed=5, drop_indexes=True, write=_quiet)
    assert indexes() == before  # dropped for the load, rebuilt identically
    # FK triggers are off during the load: check there are no orphans.
    assert not Vote.objects.exclude(answer__in=Answer.objects.all()).exists()
    assert not Vote.objects.exclude(user__in=User.objects.all()).exists()
    assert not Answer.objects.exclude(question__in=Question.objects.all()).exists()
    assert (
        not Comment.objects.filter(answer__isnull=False)
        .exclude(answer__in=Answer.objects.all())
        .exists()
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
        # Sequences follow the explicit keys: the next ordinary insert gets a fresh id.
    user = User.objects.create(username="after-load")
    assert user.pk > User.objects.exclude(pk=user.pk).aggregate(m=Max("pk"))["m"]
    generated = Question.objects.filter(dedup_key__startswith="demo-gen-")
    assert not generated.filter(search_vector__isnull=True).exists()
