"""Question.top_score: the best visible answer's score, for the "most votes" order.

Filled once here; services.counters and services.votes keep it. The index is PostgreSQL-only
(written by hand): SQLite can't index NULLS LAST, and a development bank is small.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

INDEX_NAME = "question_top_score_idx"


def fill_top_score(apps, schema_editor):
    Question = apps.get_model("questions", "Question")
    Answer = apps.get_model("questions", "Answer")
    best = Answer.objects.filter(
        question=OuterRef("pk"), deleted_at__isnull=True, status="published"
    ).order_by("-score")
    Question.objects.update(top_score=Subquery(best.values("score")[:1]))


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON questions_question "
            "(top_score DESC NULLS LAST, last_activity_at DESC, id DESC)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("questions", "0003_commentrevision_questionrevision_answer_status_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="top_score",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_top_score, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_index, drop_index),
    ]
