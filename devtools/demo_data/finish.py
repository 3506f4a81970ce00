"""After loading: the counters that span chunks, the search index, and reset and summary."""

import threading
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Length

from accounts.models import User
from moderation.models import Flag
from questions.models import (
    Answer,
    AnswerRevision,
    Comment,
    CommentRevision,
    Notification,
    Question,
    QuestionFollow,
    Status,
    Vote,
)
from questions.search import search_index_update
from questions.services.counters import (
    question_counters_refresh,
    question_top_score_refresh,
)
from questions.services.reputation import reputation_recompute

from .community import DEDUP_PREFIX, USERNAME_PREFIX
from .practice import practice_models


def generated_users():
    return User.objects.filter(username__startswith=USERNAME_PREFIX)


def generated_questions():
    return Question.objects.filter(dedup_key__startswith=DEDUP_PREFIX)


def _count(queryset, field):
    subquery = queryset.order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(subquery, output_field=IntegerField()), Value(0))


def approved_post_counts_refresh():
    """Generated members' approved posts: their published answers plus published comments.

    Two GROUP BY queries and a batched update: a correlated subquery per member is far slower.
    """
    counts = defaultdict(int)
    for model in (Answer, Comment):
        rows = (
            model.objects.filter(status=Status.PUBLISHED, author__username__startswith=USERNAME_PREFIX)
            .values_list("author").annotate(n=Count("pk")).order_by()
        )  # fmt: skip
        for author_id, n in rows:
            counts[author_id] += n
    members = list(generated_users().only("pk", "approved_post_count"))
    for member in members:
        member.approved_post_count = counts.get(member.pk, 0)
    User.objects.bulk_update(members, ["approved_post_count"], batch_size=1000)
    return len(members)


def seed_questions_refresh(question_ids):
    """The bank's own questions got generated answers: their counters and last activity follow."""
    for pk in question_ids:
        question_counters_refresh(pk)
    latest = (
        Answer.objects.filter(
            question=OuterRef("pk"), status=Status.PUBLISHED, deleted_at__isnull=True
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    for question in Question.objects.filter(pk__in=question_ids).annotate(
        latest=Subquery(latest)
    ):
        if question.latest and question.latest > question.last_activity_at:
            Question.objects.filter(pk=question.pk).update(
                last_activity_at=question.latest
            )


def search_refresh(question_ids, threads=2, batch=2000, progress=None):
    """Fill the search vectors (PostgreSQL), in batches, on `threads` connections when possible."""
    if connection.vendor != "postgresql" or not question_ids:
        return
    batches = [question_ids[i : i + batch] for i in range(0, len(question_ids), batch)]
    if connection.in_atomic_block or threads < 2:
        for ids in batches:
            search_index_update(ids)
        return
    lock, done = threading.Lock(), [0]

    def work():
        try:
            while True:
                with lock:
                    if not batches:
                        return
                    ids = batches.pop()
                search_index_update(ids)
                with lock:
                    done[0] += len(ids)
                    if progress:
                        progress(
                            f"  search index: {done[0]:,}/{len(question_ids):,} questions"
                        )
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _delete(queryset):
    """DELETE ... WHERE pk IN (subquery) without Django's collector: the caller orders the tables."""
    return queryset._raw_delete(queryset.db)


@transaction.atomic
def reset_demo_data(progress=print):
    """Remove every generated row, then put the bank's counters and everyone's reputation right."""
    users = generated_users().values("pk")
    questions = generated_questions().values("pk")
    answers = Answer.objects.filter(
        Q(author__in=users) | Q(question__in=questions)
    ).values("pk")
    comments = Comment.objects.filter(
        Q(author__in=users) | Q(answer__in=answers) | Q(question__in=questions)
    ).values("pk")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                # No per-row FK checks at COMMIT: the steps below delete children before parents,
                # and Django's collector does the rest.
                cursor.execute("SET LOCAL session_replication_role = replica")
    found = practice_models()
    steps = []
    if found:
        card, review, _ = found
        steps += [
            review.objects.filter(user__in=users),
            card.objects.filter(user__in=users),
        ]
    steps += [
        Flag.objects.filter(
            Q(user__in=users) | Q(answer__in=answers) | Q(comment__in=comments)
        ),
        Notification.objects.filter(recipient__in=users),
        QuestionFollow.objects.filter(Q(user__in=users) | Q(question__in=questions)),
        CommentRevision.objects.filter(comment__in=comments),
        Comment.objects.filter(pk__in=comments),
        Vote.objects.filter(Q(user__in=users) | Q(answer__in=answers)),
        AnswerRevision.objects.filter(answer__in=answers),
    ]
    # Other members' answers that generated members voted on: their scores are recomputed below.
    voted = list(
        Vote.objects.filter(user__in=users).exclude(answer__in=answers)
        .order_by().values_list("answer_id", flat=True).distinct()
    )  # fmt: skip
    for queryset in steps:
        deleted = _delete(queryset)
        progress(f"  deleted {deleted:,} {queryset.model._meta.verbose_name_plural}")
    affected = list(
        Answer.objects.filter(pk__in=answers).exclude(question__in=questions)
        .order_by().values_list("question_id", flat=True).distinct()
    )  # fmt: skip
    deleted = _delete(Answer.objects.filter(pk__in=answers))
    progress(f"  deleted {deleted:,} answers")
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor
        ):  # the planner must know the tables just shrank
            for model in {
                Answer,
                Vote,
                Comment,
                Question,
                QuestionFollow,
                Notification,
            }:
                cursor.execute(
                    f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}"
                )
    # What is left refers to few rows: Django's collector handles any other relation.
    Notification.objects.filter(actor__in=users).update(actor=None)
    count, _ = generated_questions().delete()
    progress(f"  deleted {count:,} questions and related rows")
    count, _ = generated_users().delete()
    progress(f"  deleted {count:,} users and related rows")
    seed_questions_refresh(affected)
    # Votes by generated members on other answers are gone: those scores follow.
    votes = Vote.objects.filter(answer=OuterRef("pk")).order_by().values("answer")
    Answer.objects.filter(pk__in=voted).update(
        score=Coalesce(Subquery(votes.annotate(s=Sum("value")).values("s")), Value(0))
    )
    question_top_score_refresh()
    reputation_recompute()


def demo_data_summary():
    """Counts and totals of the generated data: the same seed and counts give the same summary."""
    users = generated_users()
    answers = Answer.objects.filter(author__in=users)
    comments = Comment.objects.filter(author__in=users)
    summary = {
        "users": users.count(),
        "moderators": users.filter(groups__name="Moderators").count(),
        "questions": generated_questions().count(),
        "answers": answers.count(),
        "published_answers": answers.filter(status=Status.PUBLISHED).count(),
        "canonical_answers": answers.filter(is_canonical=True).count(),
        "votes": Vote.objects.filter(user__in=users).count(),
        "upvotes": Vote.objects.filter(user__in=users, value=1).count(),
        "comments": comments.count(),
        "flags": Flag.objects.filter(user__in=users).count(),
        "notifications": Notification.objects.filter(recipient__in=users).count(),
        "follows": QuestionFollow.objects.filter(user__in=users).count(),
        **answers.aggregate(score_total=Sum("score"), answer_chars=Sum(Length("body"))),
        **users.aggregate(
            reputation_total=Sum("reputation"),
            approved_posts=Sum("approved_post_count"),
        ),
        **generated_questions().aggregate(answer_count_total=Sum("answer_count")),
    }
    found = practice_models()
    if found:
        card, review, _ = found
        summary["cards"] = card.objects.filter(user__in=users).count()
        summary.update(
            review.objects.filter(user__in=users).aggregate(
                reviews=Count("pk"), rating_total=Sum("rating")
            )
        )
    return summary
