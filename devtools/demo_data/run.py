"""Put it together: plan, load in chunks, then the counters that span chunks and the search index."""

import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import MODERATORS_GROUP, User
from caching import forget_everything
from questions.models import Answer, Question, Status, Topic
from questions.services.counters import question_top_score_refresh
from questions.services.reputation import reputation_recompute

from . import finish
from .community import DEDUP_PREFIX, CommunityGenerator, World
from .practice import PracticeGenerator, practice_models
from .sinks import BulkSink, CopySink, drop_plain_indexes, restore_indexes, tables

# Every generated member signs in with this (development data only); hashed once per run.
DEMO_PASSWORD = "mlqa-demo-gen"
# Below this many answers, dropping and rebuilding indexes costs more than it saves.
DROP_INDEXES_FROM = 50_000


@dataclass(frozen=True)
class Counts:
    users: int
    questions: int
    answers: int
    votes: int
    comments: int
    reviews: int


SCALES = {
    "small": Counts(users=50, questions=100, answers=500, votes=2_000, comments=1_000, reviews=1_000),
    "medium": Counts(users=2_000, questions=10_000, answers=100_000, votes=500_000, comments=200_000,
                     reviews=100_000),
    "large": Counts(users=20_000, questions=100_000, answers=1_000_000, votes=5_000_000,
                    comments=2_000_000, reviews=1_000_000),
}  # fmt: skip


class DemoDataError(Exception):
    pass


class Progress:
    """Prints what is going on, at most every `every` seconds for repeated steps."""

    def __init__(self, write, every=2.0):
        self.write, self.every = write, every
        self.started = self.last = time.monotonic()

    def __call__(self, message, force=True):
        now = time.monotonic()
        if force or now - self.last >= self.every:
            self.write(f"[{now - self.started:7.1f}s] {message}")
            self.last = now


def _bases(found_tables):
    return {
        name: model.objects.aggregate(m=Max("pk"))["m"] or 0
        for name, (model, fields) in found_tables.items()
        if fields[0].attname == "id"
    }


@contextmanager
def _bulk_session(drop_indexes, found_tables, progress):
    """PostgreSQL: no waiting for WAL flushes, no per-row FK triggers (superuser only; the generator
    writes consistent keys, and the tests check for orphans), plain indexes rebuilt at the end."""
    if connection.vendor != "postgresql":
        yield
        return
    restore_indexes(progress)  # an interrupted earlier run
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        cursor.execute("SET synchronous_commit = off")
        if superuser:
            cursor.execute("SET session_replication_role = replica")
    try:
        if drop_indexes:
            progress(
                f"dropped {drop_plain_indexes(found_tables)} plain indexes for the load"
            )
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET session_replication_role")
            cursor.execute("RESET synchronous_commit")
        if drop_indexes:
            progress("rebuilding indexes")
            restore_indexes(progress)


def generate_demo_data(
    counts: Counts, *, seed=1, reset=False, drop_indexes=None, write=print
):
    """Fill the database around the imported bank; returns the summary of what was generated."""
    progress = Progress(write)
    if (
        not Topic.objects.exists()
        or not Question.objects.exclude(dedup_key__startswith=DEDUP_PREFIX).exists()
    ):
        raise DemoDataError(
            "The question bank is empty: run `manage.py import_seeds` first."
        )
    existing = finish.generated_users().count()
    if existing:
        if not reset:
            raise DemoDataError(
                f"Generated data is already there ({existing:,} demo-gen-* users). "
                "Run again with --reset to delete it and generate anew."
            )
        progress("deleting the previously generated data")
        finish.reset_demo_data(progress)
    if counts.users < 2:
        raise DemoDataError(
            "At least 2 users are needed (nobody votes on their own answer)."
        )
    found_tables = tables()
    has_practice = "review" in found_tables
    if not has_practice and counts.reviews:
        progress("practice models not found: no practice cards or reviews generated")
    bank = Question.objects.exclude(dedup_key__startswith=DEDUP_PREFIX).filter(
        status=Status.PUBLISHED
    )
    world = World(
        seed=seed, **{k: getattr(counts, k) for k in ("users", "questions", "answers", "votes", "comments")},
        now=int(timezone.now().timestamp()) // 3600 * 3600,
        topic_ids=list(Topic.objects.order_by("pk").values_list("pk", flat=True)),
        seed_question_ids=list(bank.order_by("pk").values_list("pk", flat=True)),
        canonical_question_ids=set(Answer.objects.filter(is_canonical=True).values_list("question_id", flat=True)),
        base=_bases(found_tables),
    )  # fmt: skip
    community = CommunityGenerator(world)
    sink = (
        CopySink(found_tables)
        if connection.vendor == "postgresql"
        else BulkSink(found_tables)
    )
    if drop_indexes is None:
        drop_indexes = (
            connection.vendor == "postgresql" and counts.answers >= DROP_INDEXES_FROM
        )
    password = make_password(DEMO_PASSWORD)
    moderators_group = Group.objects.get_or_create(name=MODERATORS_GROUP)[0]
    with _bulk_session(drop_indexes, found_tables, progress):
        done = 0
        for users, emails in community.user_rows(password):
            with transaction.atomic():
                sink.write("user", users)
                sink.write("email", emails)
                done += len(users)
            progress(f"users {done:,}/{counts.users:,}", force=False)
        sink.write(
            "usergroup",
            [(world.user_id(i), moderators_group.pk) for i in range(world.moderators)],
        )
        totals = dict.fromkeys(("question", "answer", "vote", "comment"), 0)
        for rows in community.chunks():
            with transaction.atomic():
                for name in ("question", "answer", "answerrevision", "vote", "comment", "commentrevision",
                             "follow", "notification", "flag"):  # fmt: skip
                    sink.write(name, rows[name])
            for name in totals:
                totals[name] += len(rows[name])
            progress(
                f"questions {totals['question']:,}/{counts.questions:,}  answers {totals['answer']:,}/"
                f"{counts.answers:,}  votes {totals['vote']:,}/{counts.votes:,}  comments "
                f"{totals['comment']:,}/{counts.comments:,}",
                force=False,
            )
        progress(f"community done: {totals}")
        if has_practice and counts.reviews:
            question_ids = list(
                Question.objects.published().order_by("pk").values_list("pk", flat=True)
            )
            reviews = 0
            for rows in PracticeGenerator(world, question_ids, counts.reviews).chunks():
                with transaction.atomic():
                    sink.write("card", rows["card"])
                    sink.write("review", rows["review"])
                reviews += len(rows["review"])
                progress(
                    f"practice reviews {reviews:,}/{counts.reviews:,}", force=False
                )
            progress(f"practice done: {reviews:,} reviews")
    _after_load(world, found_tables, progress)
    summary = finish.demo_data_summary()
    progress(f"finished: {summary}")
    return summary


def _after_load(world, found_tables, progress):
    models = [
        model for model, fields in found_tables.values() if fields[0].attname == "id"
    ]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            # Fresh statistics first: the counters and the search index below need good plans.
            for model in {model for model, _ in found_tables.values()} | {Question}:
                cursor.execute(
                    f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}"
                )
            progress("tables analysed")
    with transaction.atomic():
        finish.seed_questions_refresh(world.seed_question_ids)
        progress("bank questions' counters refreshed")
        finish.approved_post_counts_refresh()
        progress("approved post counts refreshed")
        question_top_score_refresh()
        progress("questions' top scores refreshed")
        reputation_recompute()
        progress("reputation recomputed")
    ids = list(Question.objects.published().order_by("pk").values_list("pk", flat=True))
    finish.search_refresh(ids, progress=lambda m: progress(m, force=False))
    progress("search index refreshed")
    # Rows were written in bulk, behind the signals: nothing cached before stands.
    forget_everything()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # The counter and search updates left a dead copy of every question and member row.
        with connection.cursor() as cursor:
            for model in (Question, User):
                cursor.execute(
                    f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}"
                )
        progress("questions and members vacuumed")


def practice_available():
    return practice_models() is not None
