"""Helpers for the Playwright journeys: accessibility checks and screenshots."""

import os
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import PASSWORD

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


def log_in(page, live_server, user):
    """Sign in through allauth's form, as a person would."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_placeholder("Username or email").fill(user.username)
    page.get_by_placeholder("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(
        user.username
    )
