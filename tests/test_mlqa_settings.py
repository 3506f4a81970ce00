"""Settings read from the environment: run in a fresh interpreter so module-level code executes."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    clean_env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "MLQA_PRODUCTION",
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", MLQA_PRODUCTION="1", ALLOWED_HOSTS="mlqa.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_debug():
    result = run_manage("check", MLQA_PRODUCTION="1", DEBUG="1", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        MLQA_PRODUCTION="1",
        SECRET_KEY="k8#Jw2!pQz7vN4xT0bL9mR3sY6cF1hD5gA8eU2iO7wK4nM0qX3zV9tB6rC1yP5jS",
        ALLOWED_HOSTS="mlqa.example.org",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_debug_is_off_unless_set():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.DATABASES['default']['ENGINE'])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.sqlite3"]


def test_database_url_selects_postgresql():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['CONN_HEALTH_CHECKS'])",
        DATABASE_URL="postgres://someone@db.example:5432/mlqa",
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "mlqa", "True"], (
        result.stderr
    )


def test_redis_url_selects_redis_cache():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    # Django's Redis cache, reusing one client per connection pool (caching/redis.py).
    assert result.stdout.strip() == "caching.redis.ReusingRedisCache", result.stderr
