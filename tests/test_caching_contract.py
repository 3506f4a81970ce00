"""What the caching layer borrows from Django is checked (caching/borrowed.py: a Django upgrade
that changes it fails here and in `manage.py check`), and keys carry the release."""

import subprocess

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.middleware import csrf as django_csrf

from caching import borrowed
from caching.checks import borrowed_from_django
from mlqa.settings import git_commit


# The model checks ask the database whether it supports JSONField, so the whole `check` needs it
# (alone this test would otherwise fail; in a full run another test had already asked).
@pytest.mark.django_db
def test_what_the_layer_borrows_from_django_still_holds():
    assert borrowed.check_borrowed() == []
    assert borrowed.django_is_tested()
    assert borrowed_from_django() == []
    call_command("check", "--fail-level", "WARNING")


def test_the_check_fails_when_django_unmasks_tokens_differently(monkeypatch):
    monkeypatch.setattr(django_csrf, "_unmask_cipher_token", lambda token: token[:32])
    assert (
        "Django no longer unmasks reader_csrf_token's tokens"
        in borrowed.check_borrowed()
    )
    assert {error.id for error in borrowed_from_django()} == {"caching.E001"}


def test_the_check_fails_when_the_redis_client_loses_a_private_name(monkeypatch):
    from django.core.cache.backends.redis import RedisCacheClient

    monkeypatch.delattr(RedisCacheClient, "_get_connection_pool_index")
    assert (
        "RedisCacheClient has no _get_connection_pool_index"
        in borrowed.check_borrowed()
    )


def test_an_untested_django_version_warns(monkeypatch):
    monkeypatch.setattr(borrowed, "TESTED_DJANGO", set())
    assert [error.id for error in borrowed_from_django()] == ["caching.W001"]


def test_keys_carry_the_release():
    assert settings.CACHES["default"]["KEY_PREFIX"] == f"mlqa-{settings.RELEASE}"
    old = LocMemCache("release-test", {"KEY_PREFIX": "mlqa-old"})
    new = LocMemCache("release-test", {"KEY_PREFIX": "mlqa-new"})
    old.set("pagecache:value:topic-counts", {1: 3})
    assert new.get("pagecache:value:topic-counts") is None
    assert caches["default"].key_prefix == settings.CACHES["default"]["KEY_PREFIX"]


def test_the_release_is_the_checked_out_commit():
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=settings.BASE_DIR,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    assert git_commit(settings.BASE_DIR) == head[:12]
