"""Rows made once for a whole test module, rolled back when the module is done."""

from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def module_data(django_db_blocker):
    """Open the test database for module-scoped data, in a transaction rolled back at the end.

    Each test's own changes run in a savepoint inside it (pytest-django's `db`), so they are
    rolled back after each test and the module's rows stay as they were made.
    """
    with django_db_blocker.unblock():
        # Never the development database: pytest-django only creates the test one for db tests.
        name = str(connection.settings_dict["NAME"])
        assert "memorydb" in name or name.rsplit("/", 1)[-1].startswith("test_"), name
        with transaction.atomic():
            try:
                yield
            finally:
                transaction.set_rollback(True)
