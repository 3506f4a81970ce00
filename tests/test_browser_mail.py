"""The mail settings page and an unsubscribe link, as a member uses them in the browser."""

import pytest
from playwright.sync_api import expect

from notifications.models import MailPreferences
from notifications.unsubscribe import unsubscribe_token
from tests.browser import assert_accessible, log_in, screenshots
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_chooses_mails_then_unsubscribes_from_a_link(page, live_server):
    member = UserFactory(trusted=True)
    log_in(page, live_server, member)
    page.goto(f"{live_server.url}/settings/")
    assert_accessible(page)
    page.get_by_role("link", name="Mail settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mail settings")
    assert_accessible(page)
    page.get_by_label("Comments on your questions and answers").select_option(
        "immediate"
    )
    page.get_by_label("A reminder when reviews are due").check()
    page.get_by_label("Hour of the day").select_option("19")
    page.get_by_label("Your time zone").select_option("Europe/Paris")
    screenshots(page, "mail-settings")
    page.get_by_role("button", name="Save mail settings").click()
    expect(page.locator(".messages")).to_contain_text("saved")
    assert_accessible(page)
    saved = MailPreferences.objects.get(user=member)
    assert (saved.comments, saved.reminder, saved.hour, saved.time_zone) == (
        "immediate",
        True,
        19,
        "Europe/Paris",
    )

    token = unsubscribe_token(member.pk, "reminder")
    page.goto(f"{live_server.url}/mail/unsubscribe/{token}/")
    assert_accessible(page)
    screenshots(page, "mail-unsubscribe")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribed")
    assert_accessible(page)
    assert MailPreferences.objects.get(user=member).reminder is False
