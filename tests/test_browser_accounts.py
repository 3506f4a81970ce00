import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from tests.browser import account_menu, assert_accessible, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_sign_up_verify_and_log_in(page, live_server, viewport):
    page.set_viewport_size(viewport)
    size = "phone" if viewport["width"] < 600 else "desktop"
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))

    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "machine-learning interviews"
    )
    assert_accessible(page)
    screenshot(page, f"home-{size}")

    page.get_by_role("link", name="Sign up").first.click()
    assert_accessible(page)
    page.get_by_label("Username").fill("turing")
    page.get_by_label("Email").fill("alan@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    screenshot(page, f"signup-{size}")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verify")
    assert_accessible(page)

    confirm_path = re.search(
        r"(/accounts/confirm-email/\S+/)", mail.outbox[-1].body
    ).group(1)
    page.goto(live_server.url + confirm_path)
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    # Confirming logs the new member in.
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("turing")

    account_menu(page).get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Sign in")
    page.get_by_role("link", name="Sign in").click()
    assert_accessible(page)
    page.get_by_placeholder(re.compile("Username or email", re.I)).fill(
        "alan@example.com"
    )
    page.get_by_placeholder("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("turing")

    account_menu(page).get_by_role("link", name="Settings").click()
    assert_accessible(page)
    page.get_by_label("Display name").fill("Alan T.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".messages")).to_contain_text("saved")
    page.get_by_role("link", name="View your public profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alan T.")
    assert "alan@example.com" not in page.content()
    assert_accessible(page)
    screenshot(page, f"profile-{size}")

    assert User.objects.get(username="turing").emailaddress_set.get().verified
    assert not errors, errors
