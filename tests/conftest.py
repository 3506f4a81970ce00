import os

import pytest
from django.conf import settings

from tests.factories import UserFactory

# Sync Playwright and the ORM share the live_server thread in browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests are skipped on SQLite; on PostgreSQL they always run."""
    if settings.IS_POSTGRES:
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: run with DATABASE_URL=postgres://..."
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _plain_static_and_fresh_cache(settings):
    # The manifest storage needs collectstatic; rate limits and caches must not leak between tests.
    # Fast hashing: tests create many users; real hashers are Django's concern, not ours.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    # Shared-cache features (cached pages, counts, permission sets) are off, as without Redis:
    # tests that write rows with factories, behind the services' backs, must see them at once.
    # The `production_caches` fixture turns them on (test_mlqa_pagecache.py, query counts).
    settings.CACHE_IS_SHARED = False
    from django.core.cache import cache

    from mlqa.nearcache import near

    cache.clear()
    near.clear()


@pytest.fixture
def production_caches(settings):
    """The cache as production uses it (Redis there, this process's memory here): cached pages,
    counts and permission sets, and sessions read from the cache."""
    settings.CACHE_IS_SHARED = True
    settings.SESSION_ENGINE = "accounts.sessions"


@pytest.fixture
def user(db):
    """A member whose posts publish at once (see moderation.rules); new members' posts wait."""
    return UserFactory(trusted=True)


@pytest.fixture
def new_user(db):
    return UserFactory()


@pytest.fixture
def moderator(db):
    return UserFactory(moderator=True)


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
