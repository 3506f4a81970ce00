"""Where generated rows go: PostgreSQL COPY (psycopg 3 `cursor.copy()`), or `bulk_create` elsewhere.

Rows are plain tuples in the column order of `TABLES`; timestamps are epoch seconds (or aware
datetimes), so the generator never builds model instances for the PostgreSQL path.
"""

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from allauth.account.models import EmailAddress
from django.db import connection, models

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
    Vote,
)

from .practice import practice_models

_COLUMNS = {
    "user": (User, "id password last_login is_superuser username first_name last_name email is_staff "
             "is_active date_joined display_name bio reputation approved_post_count deleted_at "
             "suspended_until suspension_reason"),
    "email": (EmailAddress, "id user_id email verified primary"),
    "usergroup": (User.groups.through, "user_id group_id"),
    "question": (Question, "id title slug kind difficulty difficulty_rank topic_id body body_html dedup_key "
                 "author_id status answer_count has_reference_answer created_at last_activity_at"),
    "answer": (Answer, "id question_id author_id source_id body body_html status score comment_count "
               "revision_count is_canonical canonical_marked_by_id canonical_marked_at created_at "
               "updated_at deleted_at"),
    "answerrevision": (AnswerRevision, "id answer_id number editor_id body created_at status"),
    "vote": (Vote, "id user_id answer_id value created_at"),
    "comment": (Comment, "id answer_id question_id author_id body body_html status created_at updated_at "
                "deleted_at"),
    "commentrevision": (CommentRevision, "id comment_id number editor_id body created_at status"),
    "follow": (QuestionFollow, "user_id question_id created_at"),
    "notification": (Notification, "recipient_id actor_id kind message url created_at read_at"),
    "flag": (Flag, "user_id answer_id comment_id reason note outcome created_at resolved_by_id resolved_at"),
    "card": (None, "id user_id question_id state step stability difficulty due last_review review_count "
             "lapse_count recent_weight recent_pass_weight created_at first_passed retention_reviews "
             "expected_lapses"),
    "review": (None, "id user_id card_id rating reviewed_at duration_ms retrievability desired_retention "
               "attempt"),
}  # fmt: skip
# Tables whose plain (non-unique) indexes are dropped during a big PostgreSQL load and rebuilt after.
BULK_TABLES = ("answer", "answerrevision", "vote", "comment", "commentrevision", "follow",
               "notification", "card", "review")  # fmt: skip


def tables():
    """name -> (model, [field]) for every table the generator writes (practice only if present)."""
    found = practice_models()
    result = {}
    for name, (model, columns) in _COLUMNS.items():
        if name in ("card", "review"):
            if found is None:
                continue
            model = found[0] if name == "card" else found[1]
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        result[name] = (model, [by_attname[column] for column in columns.split()])
    return result


def _epoch(value):
    return (
        datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else value
    )


_DAYS = {}
_MINUTES = [f" {h:02d}:{m:02d}:" for h in range(24) for m in range(60)]
_SECONDS = [f"{s:02d}+00" for s in range(60)]


def _timestamp_text(value):
    if not isinstance(value, int | float):
        return value.isoformat(sep=" ")
    days, seconds = divmod(int(value), 86_400)
    day = _DAYS.get(days)
    if day is None:
        day = _DAYS[days] = datetime.fromtimestamp(days * 86_400, UTC).strftime(
            "%Y-%m-%d"
        )
    minutes, seconds = divmod(seconds, 60)
    return day + _MINUTES[minutes] + _SECONDS[seconds]


def _copy_text(value):
    return (
        value.replace("\\", "\\\\")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


def _line_formatter(fields):
    """A function that turns one row into one line of COPY text, compiled once per table: about
    twice as fast as converting value by value in a loop, which matters for millions of rows."""
    parts, names = [], {"ts": _timestamp_text, "text": _copy_text}
    for i, field in enumerate(fields):
        value = f"r[{i}]"
        if isinstance(field, models.DateTimeField):
            expr = f"ts({value})"
        elif isinstance(field, models.BooleanField):
            expr = f"('t' if {value} else 'f')"
        elif isinstance(field, models.CharField | models.TextField):
            expr = f"text({value})"
        else:
            expr = value  # numbers: an f-string formats them as str() does
        if field.null:
            expr = f"('\\\\N' if {value} is None else {expr})"
        parts.append("{" + expr + "}")
    source = "lambda r: f'" + "\\t".join(parts) + "'"
    return eval(source, names)  # noqa: S307 - built from field types above, no outside input


class CopySink:
    """PostgreSQL: one COPY per table per chunk, in text format."""

    def __init__(self, tables):
        self.specs = {}
        for name, (model, fields) in tables.items():
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
            self.specs[name] = (sql, _line_formatter(fields))

    def write(self, name, rows):
        if not rows:
            return
        sql, line = self.specs[name]
        text = "\n".join(map(line, rows)) + "\n"
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(text)


class BulkSink:
    """Any other database: model instances built per chunk and saved with bulk_create."""

    def __init__(self, tables):
        self.specs = {
            name: (model, [f.attname for f in fields], [isinstance(f, models.DateTimeField) for f in fields])
            for name, (model, fields) in tables.items()
        }  # fmt: skip

    def write(self, name, rows):
        if not rows:
            return
        model, attnames, is_time = self.specs[name]
        objects = []
        for row in rows:
            values = [
                _epoch(v) if t and v is not None else v
                for v, t in zip(row, is_time, strict=True)
            ]
            objects.append(model(**dict(zip(attnames, values, strict=True))))
        model.objects.bulk_create(objects, batch_size=500)


# --- PostgreSQL index handling ---------------------------------------------------------------


def _saved_indexes_path():
    name = connection.settings_dict["NAME"]
    return Path(tempfile.gettempdir()) / f"mlqa-demo-data-{name}-dropped-indexes.sql"


def _no_pending_triggers(cursor):
    # Inside a transaction that already wrote rows (a test's), deferred FK checks are queued and
    # PostgreSQL refuses index DDL on those tables until they have run.
    if connection.in_atomic_block:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def drop_plain_indexes(tables, names=BULK_TABLES):
    """Drop the non-unique indexes of the bulk tables; their definitions are kept in a file first,
    so that an interrupted run can be repaired by `restore_indexes()` (the next run does it)."""
    db_tables = [tables[name][0]._meta.db_table for name in names if name in tables]
    with connection.cursor() as cursor:
        _no_pending_triggers(cursor)
        cursor.execute(
            """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
               WHERE t.relname = ANY(%s) AND NOT x.indisunique AND NOT x.indisprimary
               AND t.relnamespace = 'public'::regnamespace ORDER BY 1""",
            [db_tables],
        )
        found = cursor.fetchall()
        path = _saved_indexes_path()
        previous = path.read_text() if path.exists() else ""
        definitions = [
            d.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1) for _, d in found
        ]
        path.write_text(previous + "".join(f"{d};\n" for d in definitions))
        for name, _ in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return len(found)


def restore_indexes(progress=None):
    """Rebuild the indexes a load dropped (also those of an interrupted earlier run)."""
    path = _saved_indexes_path()
    if not path.exists():
        return 0
    statements = [
        line.rstrip(";") for line in path.read_text().splitlines() if line.strip()
    ]
    with connection.cursor() as cursor:
        _no_pending_triggers(cursor)
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for statement in dict.fromkeys(statements):
            if progress:
                progress(f"  index: {statement.split(' ON ')[0].split()[-1]}")
            cursor.execute(statement)
        cursor.execute("RESET maintenance_work_mem")
    path.unlink()
    return len(statements)
