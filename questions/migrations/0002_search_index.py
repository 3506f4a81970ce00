"""PostgreSQL full-text search: a GIN index on Question.search_vector, and every vector filled once.

Written by hand. On SQLite (development) both steps do nothing: search there reads the live columns.
The SQL is frozen here on purpose; questions.search.search_index_update keeps the vectors current
afterwards and must build the same document (title A, body B, visible answers C).
"""

from django.db import migrations

INDEX_NAME = "question_search_vector_idx"

FILL_VECTORS = """
UPDATE questions_question AS q SET search_vector =
    setweight(to_tsvector('english', q.title), 'A')
    || setweight(to_tsvector('english', coalesce(q.body, '')), 'B')
    || setweight(to_tsvector('english', left(coalesce((
        SELECT string_agg(a.body, ' ') FROM questions_answer AS a
        WHERE a.question_id = q.id AND a.deleted_at IS NULL
    ), ''), 200000)), 'C')
"""


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON questions_question USING gin (search_vector)")
    schema_editor.execute(FILL_VECTORS)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):

    dependencies = [
        ("questions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index),
    ]
