"""MLQA settings: one module, every deployment difference read from the environment.

Development is the default and needs no variables at all. Production is switched on with
MLQA_PRODUCTION=1, which refuses to start without SECRET_KEY and turns on HTTPS-only cookies,
HSTS and an SMTP mailer, so that `manage.py check --deploy` reports nothing.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def git_commit(directory) -> str:
    """The checked-out commit (12 hex digits), read from .git without running git; "" if none."""
    git = directory / ".git"
    try:
        if git.is_file():  # a worktree: "gitdir: <path>"
            git = Path(git.read_text().split(":", 1)[1].strip())
        head = (git / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            ref_file = git / ref
            if not ref_file.exists() and (git / "commondir").exists():
                ref_file = (git / (git / "commondir").read_text().strip()) / ref
            if ref_file.exists():
                head = ref_file.read_text().strip()
            else:  # packed refs
                common = ref_file.parent.parent.parent
                for line in (common / "packed-refs").read_text().splitlines():
                    if line.endswith(" " + ref):
                        head = line.split()[0]
        return head[:12] if len(head) >= 40 else ""
    except (OSError, IndexError):
        return ""


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# CORE
PRODUCTION = env_bool("MLQA_PRODUCTION")
DEBUG = env_bool("DEBUG")
# /_bench/trivial/, the benchmark's ceiling page: a 404 unless DEBUG or MLQA_BENCH_PAGES
# (bench/settings.py turns it on).
BENCH_PAGES = env_bool("MLQA_BENCH_PAGES", DEBUG)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when MLQA_PRODUCTION is set.")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (MLQA_PRODUCTION=1) refuses to start without one: "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    # Only ever used on a developer's machine: production refuses to start without its own.
    SECRET_KEY = (
        "dev-only-insecure-key-mlqa-0b7d3f9e1c5a4e8f9d2b6a7c3e1f0d9b8a7c6e5f4d3c2b1a"
    )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"],
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The site's public address ("https://mlqa.example.org"), for links that leave the site (the
# Anki export's); empty: the address each request came to.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
SITE_ID = 1
SITE_NAME = "MLQA"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    # Sign in with GitHub or Google: installed always (their tables and URLs exist), offered only
    # when configured (GITHUB_CLIENT_ID..., below); otherwise their URLs are a 404.
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "django_filters",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    # Infrastructure below the domain apps: knows only Django (caching/__init__.py, jobs/).
    "caching",
    "jobs",
    # Read replicas (DATABASE_REPLICA_URLS): knows Django and caching's token clock.
    "replicas",
    "accounts",
    "questions",
    "practice",
    "moderation",
    "api",
    # Mail to members: reads questions' notifications and practice's cards.
    "notifications",
    # Above every app: the invariant checker and the demo-data generator.
    "devtools",
]

MIDDLEWARE = [
    # First: a NUL in the address or a body in another charset than UTF-8 is a 400 before
    # anything reads the request (mlqa/middleware.py).
    "mlqa.middleware.RequestShapeMiddleware",
    # Pages compressed on the wire (BREACH-padded). Visitors' cached pages are stored compressed
    # and sent as they are (caching.pages): they pass through here untouched.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside the session middleware, to see the cookie it sets.
    "caching.middleware.PrivatePagesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "caching.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "mlqa.urls"
WSGI_APPLICATION = "mlqa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "mlqa.context_processors.site",
            ],
            # {% url %} that reverses each URL shape once per process (caching/reversal.py).
            "builtins": ["caching.templatetags.reversing"],
        },
    },
]

# DATABASES
# SQLite by default so a newcomer needs nothing installed; DATABASE_URL=postgres://... for PostgreSQL.
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "60"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if not IS_POSTGRES:
    # SQLite: wait for a busy writer instead of failing at once; WAL lets readers go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# Read replicas (PostgreSQL streaming replicas of DATABASE_URL's server), comma-separated URLs:
# GET requests read from them, everything else goes to the primary (replicas/, README
# *Read replicas and connection pooling*). None: every query goes to DATABASE_URL, as before.
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    replica = dj_database_url.parse(
        url, conn_max_age=CONN_MAX_AGE, conn_health_checks=True
    )
    # A replica that doesn't answer is skipped quickly rather than waited for.
    replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests read the test database through the replica (and never create one there).
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{number}"] = replica
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["replicas.router.ReplicaRouter"]
    # Around everything that reads the database (sessions, the member, the views); inside
    # PrivatePagesMiddleware, which makes a response that sets its cookie private.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("caching.middleware.PrivatePagesMiddleware") + 1,
        "replicas.middleware.ReadYourWritesMiddleware",
    )
# Connection pooling (PostgreSQL). DATABASE_POOL_MAX=N: each process keeps a psycopg pool of at
# most N connections per database (instead of one persistent connection, CONN_MAX_AGE), checked
# before each use; a request waits up to DATABASE_POOL_TIMEOUT seconds for one. Sync gunicorn
# workers use one at a time, so N=1 is enough there. DATABASE_TRANSACTION_POOLING=1: DATABASE_URL
# is a PgBouncer in transaction mode, which shares few server connections among every worker of
# every server (no server-side cursors then). README *Read replicas and connection pooling*.
DATABASE_POOL_MAX = int(os.environ.get("DATABASE_POOL_MAX", "0"))
if IS_POSTGRES:
    for database in DATABASES.values():
        if DATABASE_POOL_MAX > 0:
            database["CONN_MAX_AGE"] = 0  # the pool keeps them instead
            database["CONN_HEALTH_CHECKS"] = False  # the pool checks each one it lends
            database.setdefault("OPTIONS", {})["pool"] = {
                "min_size": min(
                    int(os.environ.get("DATABASE_POOL_MIN", "1")), DATABASE_POOL_MAX
                ),
                "max_size": DATABASE_POOL_MAX,
                "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
            }
            if (
                "connect_timeout" in database["OPTIONS"]
            ):  # a replica: skip it, don't wait
                database["OPTIONS"]["pool"]["timeout"] = 2
        if env_bool("DATABASE_TRANSACTION_POOLING"):
            database["DISABLE_SERVER_SIDE_CURSORS"] = True
# A replica more than this many seconds behind the primary is skipped; each process checks at
# most this often; a member's reads follow their own writes for this long (>= the sum + 0.5).
DATABASE_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG", "5"))
DATABASE_REPLICA_CHECK_SECONDS = float(
    os.environ.get("DATABASE_REPLICA_CHECK_SECONDS", "2")
)
DATABASE_READ_YOUR_WRITES_SECONDS = int(
    os.environ.get("DATABASE_READ_YOUR_WRITES_SECONDS", "10")
)

# CACHES
# The caching layer (caching/) is on everywhere: with Redis (REDIS_URL) every worker and server
# shares it; without, each process has its own (development, tests), which is correct for one
# process only: `make serve` without REDIS_URL runs one gunicorn worker with threads (README).
REDIS_URL = os.environ.get("REDIS_URL", "")
# Keys carry the release, so a new release never unpickles the previous one's rows (Zulip rotates
# its KEY_PREFIX on each deploy the same way): MLQA_RELEASE, else the checkout's commit.
RELEASE = os.environ.get("MLQA_RELEASE") or git_commit(BASE_DIR) or "dev"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "caching.redis.ReusingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"mlqa-{RELEASE}",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "mlqa",
            "KEY_PREFIX": f"mlqa-{RELEASE}",
        }
    }
# Sessions read from the cache, written through to the database (so they outlive a Redis outage
# or restart), their keys beginning with the member's id (caching/sessions.py).
SESSION_ENGINE = "caching.sessions"
# After a failed call to Redis, this process serves without it for this many seconds.
REDIS_RETRY_SECONDS = float(os.environ.get("MLQA_REDIS_RETRY_SECONDS", "1"))

# Cached pages and fragments live this many seconds at most (0: none are cached); see caching/.
PAGE_CACHE_SECONDS = int(os.environ.get("MLQA_PAGE_CACHE_SECONDS", "60"))
# Each process keeps copies of this many bytes of cached pages in memory (caching/nearcache.py).
NEAR_CACHE_BYTES = int(os.environ.get("MLQA_NEAR_CACHE_BYTES", str(16 * 1024 * 1024)))

# AUTH
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # ModelBackend with each member's permission set cached (2 queries fewer on every page):
    # caching.permissions, kept at this path because sessions name their backend's path.
    "accounts.backends.CachedPermissionsBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[MLQA] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_USERNAME_BLACKLIST = [
    "admin",
    "moderator",
    "mlqa",
    "deleted",
    "anonymous",
    "root",
]
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
# Social sign-in, off until an OAuth app's id and secret are in the environment. The callback
# URLs to register with the provider: <SITE_URL>/accounts/github/login/callback/ and
# <SITE_URL>/accounts/google/login/callback/ (README, *Accounts*).
SOCIALACCOUNT_PROVIDERS = {}
# Where the browser goes after the POST that starts a sign-in: CSP's form-action must allow it.
SOCIAL_SIGN_IN_ORIGINS = []
if os.environ.get("GITHUB_CLIENT_ID") and os.environ.get("GITHUB_CLIENT_SECRET"):
    SOCIALACCOUNT_PROVIDERS["github"] = {
        "APP": {
            "client_id": os.environ["GITHUB_CLIENT_ID"],
            "secret": os.environ["GITHUB_CLIENT_SECRET"],
        },
        # The member's addresses, to know which one GitHub has verified.
        "SCOPE": ["user:email"],
    }
    SOCIAL_SIGN_IN_ORIGINS.append("https://github.com")
if os.environ.get("GOOGLE_CLIENT_ID") and os.environ.get("GOOGLE_CLIENT_SECRET"):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APP": {
            "client_id": os.environ["GOOGLE_CLIENT_ID"],
            "secret": os.environ["GOOGLE_CLIENT_SECRET"],
        },
        "SCOPE": ["profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
        "OAUTH_PKCE_ENABLED": True,
    }
    SOCIAL_SIGN_IN_ORIGINS.append("https://accounts.google.com")
# An address the provider has verified needs no confirmation mail (one it has not gets one, as
# at sign-up). An address that belongs to an existing member is never taken over: they sign in
# the usual way and connect the provider from their settings.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # a POST (with its CSRF token) starts a sign-in
# allauth's rate limits (sign-up, confirmation mails, password reset) use the cache above, per
# address (see TRUSTED_PROXIES) and per account. Log-in failures slow an account down instead of
# locking its owner out: 5 a minute and 20 an hour for one account, 10 a minute from one address.
# The owner can always sign in with a code sent to their e-mail address (log-in by code, which
# these failures don't count), or reset the password.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/m/key,20/h/key"}
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# Addresses or networks of our own proxies (the load balancer), comma-separated: only a request
# from one of them has its X-Forwarded-For believed (accounts/adapter.py). Empty: none.
TRUSTED_PROXIES = [
    entry.strip()
    for entry in os.environ.get("MLQA_TRUSTED_PROXIES", "").split(",")
    if entry.strip()
]

# BACKGROUND WORK
# Django's tasks framework on a database queue (django-tasks-db): `manage.py db_worker` runs the
# jobs; `make run` starts one next to the development server (README, *Background work*).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# What `manage.py send_scheduled_mail` runs (every minute under `make run` and `make serve`):
# each finds what is due and queues it.
SCHEDULED_JOBS = [
    "jobs.tasks.requeue_stalled_mail",
    "notifications.schedule.queue_due_mail",
    "practice.tasks.queue_due_fits",  # members' own FSRS parameters
]
# A failed job is tried again after this many seconds, then four times longer each time.
JOBS_RETRY_SECONDS = float(os.environ.get("MLQA_RETRY_SECONDS", "30"))
# A mail the server refuses is tried this often (30 s ... 4.5 days apart) before it is marked
# failed in the outbox (admin), from where it can be sent again.
MAIL_DELIVERY_ATTEMPTS = int(os.environ.get("MLQA_MAIL_ATTEMPTS", "8"))

# MAIL
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "MLQA <noreply@mlqa.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("EMAIL_HOST") or PRODUCTION:
    DELIVERY_MAILER = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "587")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", True),
            "timeout": 30,
        },
    }
else:
    # Development: mails (sign-up confirmations, password resets) are printed to the console by
    # the worker, decoded, so a link can be copied from the terminal (devtools/mail.py).
    DELIVERY_MAILER = {"BACKEND": "devtools.mail.ReadableConsoleBackend"}
# Every mail is written to the outbox and delivered by the worker (jobs/mailer.py): no request
# waits on the mail server, and one that is down loses nothing.
MAILERS = {
    "default": {"BACKEND": "jobs.mailer.QueuedMailer"},
    "delivery": DELIVERY_MAILER,
}

# SECURITY
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Scripts, styles, fonts and images only from our own origin: no inline script anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "https:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF, *SOCIAL_SIGN_IN_ORIGINS],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(
        os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365))
    )
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# I18N
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# STATIC
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Fingerprinted, compressed files cached for a year, except while developing.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("MLQA_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 365

# LOGGING
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_on_one_line": {"()": "mlqa.log.ClientErrorsOnOneLine"}},
    "formatters": {
        # runserver's request lines, as Django formats them ("[date] "GET / HTTP/1.1" 200").
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "level": "INFO",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Django's own console handler (DEBUG only) printed every warning a second time after
        # the root's: Django's records go to the root's handler alone.
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
        },
        # A 403 or 400 is one line ("Forbidden (Permission denied): /path (why)"), not a
        # traceback (in `make run`'s terminal they buried the mails printed there).
        "django.request": {"filters": ["client_errors_on_one_line"]},
    },
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
