"""What a phone shows first, and what the pages changed for it look like (issue 16, item 8).

- the signed-in header stays within two lines (<= 90 px), for a moderator's longer nav too;
- the question list's first screen shows questions, the filter form folded (open on wide screens
  and when a filter is on);
- a title written with TeX is typeset in lists and headings;
- a rejected answer's reason comes into view and takes the focus;
- wide code blocks and formulas scroll inside their own box, which the keyboard reaches.
Screenshots of each page at phone and desktop widths, light and dark, land in screenshots/.
"""

import pytest
from playwright.sync_api import expect

from tests.browser import (
    DESKTOP,
    PHONE,
    SCREENSHOT_DIR,
    assert_accessible,
    log_in,
    new_page,
    screenshots,
)
from tests.factories import AnswerFactory, QuestionFactory, TopicFactory, UserFactory
from tests.site_pages import TEX_TITLE, WIDE_ANSWER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER_MAX_HEIGHT = 90


@pytest.fixture
def bank():
    topic = TopicFactory(slug="deep-learning", name="Deep learning")
    questions = QuestionFactory.create_batch(12, topic=topic)
    tex = QuestionFactory(title=TEX_TITLE, topic=topic)
    AnswerFactory(question=tex, body=WIDE_ANSWER, score=2)
    return questions, tex


def header_height(page):
    return page.locator(".site-header").bounding_box()["height"]


def test_phone_header_list_and_filters(browser, live_server, bank):
    _, tex = bank
    moderator = UserFactory(username="a-moderator-with-a-long-name", moderator=True)
    page = new_page(browser, viewport=PHONE)
    page.goto(live_server.url + "/questions/")
    page.screenshot(path=SCREENSHOT_DIR / "header-visitor-phone.png")
    assert header_height(page) <= HEADER_MAX_HEIGHT  # a visitor's
    log_in(page, live_server, moderator)
    page.goto(live_server.url + "/questions/")
    page.screenshot(path=SCREENSHOT_DIR / "header-moderator-phone.png")
    assert header_height(page) <= HEADER_MAX_HEIGHT, header_height(page)

    # The questions come first; the form opens on demand.
    expect(page.get_by_label("Topic")).to_be_hidden()
    first_row = page.locator(".question-row").first
    expect(first_row).to_be_in_viewport()
    assert first_row.bounding_box()["y"] < PHONE["height"] / 2
    # The title's TeX is MathML, in the list and on its page.
    expect(page.locator(".question-title math").first).to_be_visible()
    assert_accessible(page)
    screenshots(page, "list")

    page.get_by_text("Filter and sort").click()
    page.get_by_label("Difficulty").select_option("medium")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_label("Difficulty")).to_be_visible()
    expect(page.locator(".filter-summary")).to_contain_text("1 filter on")
    assert_accessible(page)
    screenshots(page, "list-filtered")

    # The account menu opens over the page.
    account = page.get_by_role("navigation", name="Account")
    account.locator("summary").click()
    expect(account.get_by_role("link", name="Settings")).to_be_visible()
    assert_accessible(page)
    screenshots(page, "header-menu-open")

    page.goto(live_server.url + tex.get_absolute_url())
    expect(page.locator("h1 math").first).to_be_visible()
    assert "\\(" not in page.title()
    # The wide code block and the display formula scroll in their own box, reached by Tab.
    code = page.locator(".answer .prose pre").first
    assert code.evaluate("el => el.scrollWidth > el.clientWidth")
    expect(code).to_have_attribute("tabindex", "0")
    formula = page.locator(".answer .math-display").first
    expect(formula).to_have_attribute("tabindex", "0")
    assert_accessible(page)
    screenshots(page, "question-tex")


def test_wide_screens_show_the_filters_and_the_account_links(
    browser, live_server, bank
):
    member = UserFactory(username="learner")
    page = new_page(browser, viewport=DESKTOP)
    log_in(page, live_server, member)
    page.goto(live_server.url + "/questions/")
    expect(page.get_by_label("Topic")).to_be_visible()
    expect(page.locator(".filter-summary")).to_be_hidden()
    account = page.get_by_role("navigation", name="Account")
    expect(account.get_by_role("link", name="Settings")).to_be_visible()
    expect(account.locator("summary")).to_be_hidden()
    assert header_height(page) <= 70  # one line
    assert_accessible(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_rejected_answer_is_shown_where_the_author_looks(
    browser, live_server, bank, viewport
):
    questions, tex = bank
    member = UserFactory(username="learner", trusted=True)
    page = new_page(browser, viewport=viewport)
    log_in(page, live_server, member)
    page.goto(live_server.url + tex.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("textbox", name="Your answer").fill("Too short.")
    page.get_by_role("button", name="Post your answer").click()
    summary = page.locator("#answer-errors")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Your answer was not posted")
    assert_accessible(page)
    if viewport is PHONE:
        screenshots(page, "answer-rejected")
