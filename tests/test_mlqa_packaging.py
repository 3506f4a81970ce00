"""The packaging: an installed copy (pip install .) holds every app the settings install."""

import fnmatch
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def local_apps() -> list[str]:
    """INSTALLED_APPS entries that are packages of this repository (not Django's or a library's)."""
    tops = {app.split(".")[0] for app in settings.INSTALLED_APPS}
    return sorted(top for top in tops if (ROOT / top / "__init__.py").exists())


def test_every_local_app_is_packaged():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    apps = local_apps()
    assert {"accounts", "caching", "devtools", "moderation"} <= set(apps)
    missing = [
        app
        for app in [*apps, "mlqa"]
        if not any(fnmatch.fnmatch(app, pattern) for pattern in include)
    ]
    assert missing == []


def test_every_subpackage_of_an_app_is_packaged():
    """setuptools finds subpackages (migrations, management commands, template tags) only when
    they have an __init__.py."""
    for app in local_apps():
        for directory in (ROOT / app).rglob("*"):
            if directory.is_dir() and any(directory.glob("*.py")):
                if "__pycache__" in directory.parts:
                    continue
                assert (directory / "__init__.py").exists(), directory
