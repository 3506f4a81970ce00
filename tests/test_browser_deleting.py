"""Deleting, restoring, flagging and purging in Chromium with JavaScript off: every step is a
plain link or form (the README promises every page works without JavaScript)."""

import pytest
from playwright.sync_api import expect

from moderation.models import Flag
from questions.models import Answer, Status
from tests.browser import assert_accessible, log_in, screenshot
from tests.factories import AnswerFactory, QuestionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "Dropout zeroes random units during training, so no unit can rely on another."


def check_accessible(page):
    """axe runs in the page's JavaScript, which these pages have off: it reads the same
    address in a second tab with JavaScript on and the same cookies."""
    context = page.context.browser.new_context(
        viewport=page.viewport_size, storage_state=page.context.storage_state()
    )
    try:
        reader = context.new_page()
        reader.goto(page.url)
        assert_accessible(reader)
    finally:
        context.close()


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_delete_restore_flag_and_purge_without_javascript(
    browser, live_server, viewport
):
    size = "phone" if viewport["width"] < 600 else "desktop"
    question = QuestionFactory(title="What does dropout do?")
    author = UserFactory(username="author", trusted=True)
    answer = AnswerFactory(question=question, author=author, body=BODY)
    other = AnswerFactory(
        question=question,
        author=UserFactory(username="spammer", trusted=True),
        body="Buy my course: it explains dropout and everything else, cheaply.",
    )

    # The author deletes their answer after a confirmation page, then brings it back.
    page = browser.new_context(viewport=viewport, java_script_enabled=False).new_page()
    log_in(page, live_server, author)
    page.goto(live_server.url + question.get_absolute_url())
    page.locator(f"#answer-{answer.pk}").get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your answer?")
    check_accessible(page)
    screenshot(page, f"delete-confirm-{size}")
    page.get_by_role("button", name="Delete answer").click()
    expect(page.locator(".messages")).to_contain_text("Your answer was deleted.")
    expect(page.get_by_text(BODY)).to_have_count(0)
    page.locator(".messages").get_by_role("link", name="Restore it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your deleted posts")
    check_accessible(page)
    screenshot(page, f"deleted-posts-{size}")
    page.get_by_role("button", name="Restore answer").click()
    expect(page.locator(".messages")).to_contain_text("Your answer is back.")
    expect(page.get_by_text(BODY)).to_have_count(1)

    # Flagging: each reason's label checks its radio; nothing is checked to begin with.
    page.locator(f"#answer-{other.pk}").get_by_role("link", name="Flag").click()
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    page.get_by_text("Rude or abusive").click()
    expect(page.get_by_role("radio", name="Rude or abusive")).to_be_checked()
    check_accessible(page)
    screenshot(page, f"flag-form-{size}")
    page.get_by_role("button", name="Flag").click()
    expect(page.locator(".messages")).to_contain_text("the moderators will look at it")
    assert Flag.objects.get().reason == "rude"

    # A moderator purges the spammer: a confirmation page asks for a reason first.
    moderator = UserFactory(username="mod", moderator=True)
    page = browser.new_context(viewport=viewport, java_script_enabled=False).new_page()
    log_in(page, live_server, moderator)
    page.goto(live_server.url + "/moderation/members/spammer/")
    page.get_by_role("link", name="Purge spammer…").click()
    expect(
        page.get_by_role("textbox", name="Reason (the member sees it)")
    ).to_have_value("")
    page.get_by_role("button", name="Purge spammer").click()
    expect(page.locator(".errors")).to_contain_text("Give a reason")
    assert Answer.objects.get(pk=other.pk).status == Status.PUBLISHED
    page.get_by_role("textbox", name="Reason (the member sees it)").fill(
        "Links to a paid course"
    )
    page.get_by_role("button", name="Purge spammer").click()
    expect(page.locator(".messages")).to_contain_text("1 of their posts are hidden")

    # ...and restores the hidden answer from the removed posts.
    page.goto(live_server.url + "/moderation/removed/?kind=answer&state=hidden")
    check_accessible(page)
    screenshot(page, f"removed-posts-{size}")
    page.get_by_role("button", name="Restore answer").click()
    expect(page.locator(".messages")).to_contain_text("The answer is restored.")
    assert Answer.objects.get(pk=other.pk).status == Status.PUBLISHED
