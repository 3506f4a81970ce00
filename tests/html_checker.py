"""The Nu HTML Checker (https://validator.github.io/validator/) over HTML the tests rendered.

vnu-jar comes from npm, pinned in the repository's package.json (`make install` installs it; the
first use installs it when node_modules lacks it) and runs on the machine's Java (17 or newer).
One JVM start for every page: pass them all in one call.

Without Java or npm the check is skipped locally with the reason; CI sets MLQA_REQUIRE_NU=1,
which turns a missing checker into a failure.
"""

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _unavailable(reason):
    if os.environ.get("MLQA_REQUIRE_NU"):
        pytest.fail(f"The Nu HTML Checker is required here (MLQA_REQUIRE_NU): {reason}")
    pytest.skip(f"Nu HTML Checker unavailable: {reason}")


def vnu_jar() -> Path:
    """The checker's jar, installed from package.json first if node_modules lacks it."""
    if not VNU_JAR.exists():
        if not shutil.which("npm"):
            _unavailable("npm is not installed, so vnu-jar can't be (see package.json)")
        # Parallel test workers: one installs, the others wait for it.
        with open(ROOT / ".npm-install.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not VNU_JAR.exists():
                subprocess.run(
                    [
                        "npm",
                        "ci",
                        "--ignore-scripts",
                        "--no-audit",
                        "--no-fund",
                        "--silent",
                    ],
                    cwd=ROOT,
                    check=True,
                    timeout=600,
                )
    if not shutil.which("java"):
        _unavailable("java is not installed (vnu.jar needs Java 17 or newer)")
    return VNU_JAR


def html_errors(pages: dict[str, str]) -> list[str]:
    """Every error the checker finds in these documents ({name: html}), as "name:line: message"."""
    jar = vnu_jar()
    with tempfile.TemporaryDirectory(prefix="mlqa-vnu-") as folder:
        paths = []
        for name, html in pages.items():
            path = Path(folder) / f"{name}.html"
            path.write_text(html, encoding="utf-8")
            paths.append(str(path))
        result = subprocess.run(
            [
                "java",
                "-jar",
                str(jar),
                "--format",
                "json",
                "--stdout",
                "--no-langdetect",
                *paths,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    try:
        messages = json.loads(result.stdout)["messages"]
    except (ValueError, KeyError):
        raise AssertionError(
            f"vnu did not report (exit {result.returncode}): {result.stderr[-2000:]}"
        ) from None
    errors = []
    for message in messages:
        if message.get("type") not in ("error", "non-document-error"):
            continue  # "info" messages are warnings and notes
        name = Path(message.get("url", "?").removeprefix("file:")).stem
        line = message.get("lastLine", "?")
        extract = " ".join(message.get("extract", "").split())[:160]
        errors.append(f"{name}:{line}: {message['message']}  [{extract}]")
    return errors
