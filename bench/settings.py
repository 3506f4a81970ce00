"""The site's own settings, with collectstatic going to a temporary directory of the benchmark's.

Everything else (DEBUG off, DATABASE_URL, REDIS_URL, the manifest static storage) comes from the
environment exactly as in production; only STATIC_ROOT differs, so the benchmark never touches the
checkout's staticfiles/ directory.
"""

import os

from mlqa.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
BENCH_PAGES = True  # /_bench/trivial/, the ceiling every page is compared with
