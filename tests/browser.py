"""Helpers for the Playwright journeys: accessibility checks, screenshots and signing in.

Every page a journey loads must be checked by axe (`assert_accessible`): tests/conftest.py fails a
browser test that loaded a page (a URL route) it never checked. Pages are watched when they come
from the `page` fixture or from `new_page()`.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.urls import Resolver404, resolve
from playwright.sync_api import expect

from tests.factories import PASSWORD

SCREENSHOT_DIR = Path(
    os.environ.get(
        "MLQA_SCREENSHOTS", Path(__file__).resolve().parent.parent / "screenshots"
    )
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}
COLOR_SCHEMES = ("light", "dark")
_axe = Axe()
_SCRIPT_RE = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)


class Coverage:
    """The routes of the pages loaded in the current test, and of those checked by axe."""

    loaded: dict[str, str] = {}
    checked: set[str] = set()

    @classmethod
    def reset(cls):
        cls.loaded, cls.checked = {}, set()

    @classmethod
    def unchecked(cls):
        return sorted(
            url for route, url in cls.loaded.items() if route not in cls.checked
        )


def _route(url):
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return path
    return match.view_name or path


def watch(page):
    """Record the pages this browser page loads, for the coverage check."""
    if page.url.startswith("http"):
        Coverage.loaded.setdefault(_route(page.url), page.url)
    page.on(
        "load",
        lambda loaded: Coverage.loaded.setdefault(_route(loaded.url), loaded.url),
    )
    return page


def new_page(browser, **context_args):
    """A page in a new browser context (another person, or the same one without JavaScript)."""
    return watch(browser.new_context(**context_args).new_page())


def _page_for_axe(page):
    """Where axe runs: the page itself; or, for a page without JavaScript (where axe can't run:
    its timers never fire), its DOM as it is now without the page's scripts, served at the same
    address (so its styles load) in a page of its own that runs axe only."""
    # Every page of the site loads static/js/math.js (members' pages htmx too): where its
    # function isn't there, the page's scripts don't run.
    if page.evaluate("() => 'mlqaRenderMath' in window"):
        return page
    html = _SCRIPT_RE.sub("", page.content())
    mirror = page.context.browser.new_page(viewport=page.viewport_size)
    mirror.route(
        page.url,
        lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=html
        ),
    )
    mirror.goto(page.url)
    return mirror


def assert_accessible(page):
    """axe-core must report no violation, of any impact, on the page as it is now: in light and
    dark mode, at phone and desktop widths. The page is left at its own width and in light mode."""
    checked = _page_for_axe(page)
    own_size = checked.viewport_size
    found = []
    try:
        for width_name, size in WIDTHS.items():
            checked.set_viewport_size(size)
            for scheme in COLOR_SCHEMES:
                checked.emulate_media(color_scheme=scheme)
                for violation in _axe.run(checked).response["violations"]:
                    targets = [node["target"] for node in violation["nodes"]][:4]
                    found.append(
                        f"[{width_name}, {scheme}] {violation['id']} ({violation['impact']}): "
                        f"{violation['help']} at {targets}"
                    )
    finally:
        if checked is page:
            page.set_viewport_size(own_size)
            page.emulate_media(color_scheme="light")
        else:
            checked.context.close()
    Coverage.checked.add(_route(page.url))
    assert not found, f"{page.url}:\n" + "\n".join(found)


def screenshot(page, name):
    """Keep a full-page picture of what the user saw, for people reviewing a change; with
    MLQA_SCREENSHOT_VARIANTS=1, at both widths in both modes too (`screenshots`)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / f"{name}.png", full_page=True)
    if os.environ.get("MLQA_SCREENSHOT_VARIANTS"):
        screenshots(page, name)


def screenshots(page, name):
    """The page at phone and desktop widths, in light and dark mode: name-phone-dark.png..."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    own_size = page.viewport_size
    try:
        for width_name, size in WIDTHS.items():
            page.set_viewport_size(size)
            for scheme in COLOR_SCHEMES:
                page.emulate_media(color_scheme=scheme)
                page.screenshot(
                    path=SCREENSHOT_DIR / f"{name}-{width_name}-{scheme}.png",
                    full_page=True,
                )
    finally:
        page.set_viewport_size(own_size)
        page.emulate_media(color_scheme="light")


def log_in(page, live_server, user):
    """Sign in through allauth's form, as a person would."""
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    page.get_by_placeholder("Username or email").fill(user.username)
    page.get_by_placeholder("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text(
        user.username
    )
    assert_accessible(page)  # where signing in lands


def account_menu(page):
    """The header's account links, opened first where they are folded (phones)."""
    account = page.get_by_role("navigation", name="Account")
    summary = account.locator("summary")
    if summary.count() and summary.is_visible():
        summary.click()
    return account
