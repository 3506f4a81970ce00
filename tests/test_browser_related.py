"""Related questions, similar questions while proposing, and the topics index in Chromium, at
phone and desktop sizes, in light and dark mode (screenshots for review)."""

import pytest
from playwright.sync_api import expect

from questions.importer import import_seeds
from questions.models import Question, Status
from tests.browser import assert_accessible, log_in, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPED = "How can I fix vanishing gradients in a very deep network?"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_related_similar_and_topics(page, live_server, viewport, scheme):
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme=scheme)
    name = f"{'phone' if viewport['width'] < 600 else 'desktop'}-{scheme}"
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    import_seeds()
    member = UserFactory(trusted=True)

    question = Question.objects.get(
        title="How does ResNet-50 solve the vanishing gradients problem of VGG-16?"
    )
    page.goto(live_server.url + question.get_absolute_url())
    related = page.get_by_role("complementary", name="Related questions")
    expect(related.get_by_role("link")).to_have_count(5)
    expect(related).to_contain_text("Residual Connections/ Skip Connections")
    related.scroll_into_view_if_needed()
    assert_accessible(page)
    screenshot(page, f"related-question-page-{name}")

    page.goto(live_server.url + "/questions/topics/")
    expect(page.get_by_role("heading", name="Topics", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Neural networks")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"related-topics-index-{name}")

    log_in(page, live_server, member)
    page.goto(live_server.url + "/questions/propose/")
    page.get_by_label("Question", exact=True).fill(TYPED)
    similar = page.locator("#similar-questions")
    expect(similar).to_contain_text("Similar questions already in the bank")
    expect(similar).to_contain_text("Vanishing Gradient")
    assert_accessible(page)
    screenshot(page, f"related-propose-similar-{name}")
    page.get_by_label("Topic").select_option(label="Neural networks")
    page.get_by_label("None of these asks my question").check()
    page.get_by_role("button", name="Propose question").click()
    expect(page.get_by_role("heading", name=TYPED)).to_be_visible()
    assert Question.objects.get(title=TYPED).status == Status.PENDING
    assert errors == []
