"""Helpers for the Playwright journeys: accessibility checks and screenshots."""

import os
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

SCREENSHOT_DIR = Path(
    os.environ.get(
        "MLQA_SCREENSHOTS", Path(__file__).resolve().parent.parent / "screenshots"
    )
)
_axe = Axe()


def assert_accessible(page):
    """axe-core must report no serious or critical violation on the page as it is now."""
    results = _axe.run(page)
    bad = [
        v
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in bad
    ]
    assert not bad, f"{page.url}: " + "; ".join(details)


def screenshot(page, name):
    """Keep a full-page picture of what the user saw, for people reviewing a change."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / f"{name}.png", full_page=True)
