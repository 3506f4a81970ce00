"""A member says an interview asked a question, votes it useful and rates it, in place with htmx;
another does the same without JavaScript; a visitor sees only the totals."""

import pytest
from playwright.sync_api import expect

from questions.models import DifficultyRating, InterviewMark, UsefulVote
from tests.browser import assert_accessible, log_in, new_page, screenshots
from tests.factories import QuestionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mark_vote_and_rate_with_and_without_javascript(page, live_server, browser):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    question = QuestionFactory(
        title="How would you detect data drift in production?", difficulty="unrated"
    )
    me = UserFactory(username="candidate", trusted=True)
    log_in(page, live_server, me)
    page.goto(live_server.url + question.get_absolute_url())
    box = page.locator("#feedback")
    expect(box).to_contain_text("No member has said an interview asked this yet.")
    assert_accessible(page)

    # With htmx: the box changes in place, the page is not reloaded.
    page.evaluate("window.__sameDocument = true")
    box.get_by_role("button", name="Useful to practise").click()
    expect(box).to_contain_text("1 member found it useful.")
    box.get_by_label("Hard").check()
    box.get_by_role("button", name="Rate").click()
    expect(box).to_contain_text("you said hard")
    box.get_by_text("I was asked this in an interview").click()
    box.get_by_label("Role interviewed for").select_option("ml-engineer")
    box.get_by_label("Company").fill("Acme")
    box.get_by_label("Year").fill("2025")
    box.get_by_role("button", name="I was asked this").click()
    expect(box).to_contain_text("Asked in 1 interview: 1 ML engineer; 2025.")
    assert page.evaluate("window.__sameDocument") is True
    assert errors == []
    assert UsefulVote.objects.filter(user=me).count() == 1
    assert DifficultyRating.objects.get(user=me).difficulty == "hard"
    assert InterviewMark.objects.get(user=me).company == "Acme"
    assert_accessible(page)
    screenshots(page, "feedback-member")

    # Without JavaScript: the forms post and the page comes back at the box.
    other = UserFactory(username="second", trusted=True)
    plain = new_page(browser, java_script_enabled=False)
    log_in(plain, live_server, other)
    plain.goto(live_server.url + question.get_absolute_url())
    plain_box = plain.locator("#feedback")
    plain_box.get_by_text("I was asked this in an interview").click()
    plain_box.get_by_label("Role interviewed for").select_option("data-scientist")
    plain_box.get_by_label("Company").fill("acme")
    plain_box.get_by_role("button", name="I was asked this").click()
    expect(plain.locator(".messages")).to_contain_text("Only the totals are shown")
    expect(plain.locator("#feedback")).to_contain_text(
        "Asked in 2 interviews: 1 ML engineer, 1 Data scientist; 2025; at Acme (2)."
    )
    assert_accessible(plain)
    plain.context.close()

    # A visitor: the totals and a way to sign in, no names.
    visitor = new_page(browser)
    visitor.goto(live_server.url + question.get_absolute_url())
    visitor_box = visitor.locator("#feedback")
    expect(visitor_box).to_contain_text("Asked in 2 interviews")
    expect(visitor_box).not_to_contain_text("candidate")
    expect(visitor_box.get_by_role("link", name="Sign in")).to_be_visible()
    assert_accessible(visitor)
    screenshots(visitor, "feedback-visitor")
    visitor.context.close()
