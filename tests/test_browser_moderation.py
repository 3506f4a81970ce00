import pytest
from playwright.sync_api import expect

from questions.models import Answer, Status
from tests.browser import assert_accessible, log_in, screenshot
from tests.factories import AnswerFactory, QuestionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_ANSWER = "Dropout randomly zeroes activations during training, which keeps units from co-adapting."


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_new_answer_waits_then_is_approved_and_marked_canonical(
    browser, live_server, viewport
):
    size = "phone" if viewport["width"] < 600 else "desktop"
    question = QuestionFactory(title="Why does dropout reduce overfitting?")
    AnswerFactory(
        question=question, body="An older answer that got some votes already.", score=3
    )
    newcomer = UserFactory(username="newcomer")
    moderator = UserFactory(username="mod", moderator=True)

    # The newcomer answers: it waits for review, marked so for them only.
    newcomer_page = browser.new_context(viewport=viewport).new_page()
    log_in(newcomer_page, live_server, newcomer)
    newcomer_page.goto(live_server.url + question.get_absolute_url())
    newcomer_page.get_by_role("textbox", name="Your answer").fill(NEW_ANSWER)
    newcomer_page.get_by_role("button", name="Post your answer").click()
    answer = Answer.objects.get(author=newcomer)
    assert answer.status == Status.PENDING
    expect(newcomer_page.locator(f"#answer-{answer.pk}")).to_contain_text(
        "Awaiting review"
    )
    anonymous = browser.new_context(viewport=viewport).new_page()
    anonymous.goto(live_server.url + question.get_absolute_url())
    expect(anonymous.get_by_text(NEW_ANSWER)).to_have_count(0)

    # The moderator approves it from the queue, then marks it canonical.
    page = browser.new_context(viewport=viewport).new_page()
    log_in(page, live_server, moderator)
    page.get_by_role("link", name="Moderation").click()
    item = page.locator(f"#answer-{answer.pk}")
    expect(item).to_contain_text(NEW_ANSWER)
    assert_accessible(page)
    screenshot(page, f"moderation-queue-{size}")
    item.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("Approve: 1 post")
    page.goto(live_server.url + question.get_absolute_url())
    page.locator(f"#answer-{answer.pk}").get_by_role(
        "button", name="Mark canonical"
    ).click()
    expect(page.locator(".messages")).to_contain_text("canonical")

    # Everyone now sees it first, marked canonical, with who marked it.
    anonymous.reload()
    first = anonymous.locator("article.answer").first
    expect(first).to_contain_text(NEW_ANSWER)
    expect(first).to_contain_text("Canonical answer")
    expect(first).to_contain_text("marked by mod")
    assert_accessible(anonymous)
    screenshot(anonymous, f"canonical-{size}")

    page.goto(f"{live_server.url}/moderation/log/")
    expect(page.locator(".log-table")).to_contain_text("Marked canonical")
    expect(page.locator(".log-table")).to_contain_text("Approved")
    assert_accessible(page)
    screenshot(page, f"moderation-log-{size}")
