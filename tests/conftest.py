import os

import pytest
from django.conf import settings

from tests.factories import UserFactory
from tests.mail_server import smtp_inbox  # noqa: F401 (a fixture: a real SMTP server)

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
    # The manifest storage needs collectstatic; rate limits and cached entries must not leak
    # between tests. The caching layer is on, as in production (this process's memory standing
    # for Redis): tests see what production serves, and factories' saves replace tokens too.
    # Fast hashing: tests create many users; real hashers are Django's concern, not ours.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BENCH_PAGES = (
        True  # /_bench/trivial/ (a 404 in production: test_security_hostile_input)
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    from caching import forget_everything

    forget_everything()


@pytest.fixture
def production_caches():
    """Kept for tests that say so: the caches are on in every test."""


@pytest.fixture
def user(db):
    """A member whose posts publish at once (see accounts.trust); new members' posts wait."""
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


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)  # for fixtures' teardown
    return report


@pytest.fixture(autouse=True)
def _every_loaded_page_is_checked(request):
    """A browser journey checks with axe every page it loads (tests/browser.py): a page it only
    passes through is a page nobody looked at. Judged when the test itself passed."""
    if not request.node.get_closest_marker(
        "browser"
    ) or request.node.get_closest_marker("hostile_content"):
        yield
        return
    from tests.browser import Coverage, watch

    Coverage.reset()
    if "page" in request.fixturenames:
        watch(request.getfixturevalue("page"))
    yield
    call = getattr(request.node, "report_call", None)
    if call is not None and call.passed:
        unchecked = Coverage.unchecked()
        assert not unchecked, (
            f"pages loaded but never checked with assert_accessible: {unchecked}"
        )


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
