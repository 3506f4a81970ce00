from django.db import migrations

# The audit log is append-only in the database itself, not only in the ORM: a row can be
# inserted, never updated; on PostgreSQL never deleted either. (SQLite keeps DELETE possible
# because Django's test flush empties tables with DELETE; PostgreSQL's flush uses TRUNCATE.)
POSTGRES_UP = """
CREATE OR REPLACE FUNCTION moderation_auditlog_refuse() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER moderation_auditlog_no_update BEFORE UPDATE OR DELETE ON moderation_auditlogentry
FOR EACH ROW EXECUTE FUNCTION moderation_auditlog_refuse();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS moderation_auditlog_no_update ON moderation_auditlogentry;
DROP FUNCTION IF EXISTS moderation_auditlog_refuse();
"""
SQLITE_UP = """
CREATE TRIGGER moderation_auditlog_no_update BEFORE UPDATE ON moderation_auditlogentry
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS moderation_auditlog_no_update;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
