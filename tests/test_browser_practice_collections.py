"""Lists and notes, study plans and the own deck, as a member uses them, with and without
JavaScript: every page checked by axe, screenshots kept (MLQA_SCREENSHOT_VARIANTS=1: both
widths, light and dark)."""

import pytest
from playwright.sync_api import expect

from tests.browser import assert_accessible, log_in, screenshot
from tests.factories import AnswerFactory, TopicFactory, UserFactory
from tests.practice_factories import practisable_question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page, name):
    assert_accessible(page)
    screenshot(page, name)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_list_a_note_a_plan_and_an_own_deck(browser, live_server, javascript):
    variant = "js" if javascript else "nojs"
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    topic = TopicFactory(slug="deep-learning", name="Deep learning")
    questions = []
    for title in ("How does backpropagation work?", "Why use dropout?"):
        question = practisable_question(topic=topic, title=title)
        AnswerFactory(question=question, is_canonical=True, body="The chain rule.")
        questions.append(question)
    me = UserFactory(username="collector", trusted=True)
    log_in(page, live_server, me)

    # A list and a note, from the question's page; the note then shows there, to me.
    page.goto(live_server.url + questions[0].get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Save to a list, or note").click()
    page.get_by_label("Or a new list").fill("Onsite round")
    page.get_by_role("button", name="Save lists").click()
    expect(page.locator(".messages")).to_contain_text("Your lists were saved")
    page.get_by_label("Your note").fill("Say the chain rule out loud first.")
    page.get_by_role("button", name="Save the note").click()
    expect(page.locator(".messages")).to_contain_text("Your note was saved")
    check(page, f"practice-save-{variant}")
    page.goto(live_server.url + questions[0].get_absolute_url())
    expect(page.locator(".my-note")).to_contain_text("Say the chain rule out loud")
    check(page, f"question-my-note-{variant}")

    page.goto(live_server.url + "/practice/lists/")
    check(page, f"practice-lists-{variant}")
    page.get_by_role("link", name="Onsite round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Onsite round")
    expect(page.locator(".saved-questions li")).to_have_count(1)
    check(page, f"practice-list-{variant}")
    page.get_by_role("button", name="Practise this list").click()
    expect(page.locator(".practice-position")).to_contain_text("Card 1 of 1")
    assert_accessible(page)

    # A study plan of my own: one section, one question.
    page.goto(live_server.url + "/practice/plans/")
    page.get_by_label("Title").fill("My onsite plan")
    page.get_by_role("button", name="Create the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My onsite plan")
    page.get_by_label("New section").fill("Basics")
    page.get_by_role("button", name="Add the section").click()
    expect(page.locator(".messages")).to_contain_text("The section was added")
    page.get_by_label("Question number").fill(str(questions[1].pk))
    page.get_by_role("button", name="Add the question").click()
    expect(page.locator(".plan-section")).to_contain_text("Why use dropout?")
    check(page, f"practice-plan-{variant}")
    page.goto(live_server.url + "/practice/plans/")
    expect(page.get_by_role("link", name="My onsite plan")).to_be_visible()
    check(page, f"practice-plans-{variant}")

    # The own deck: a CSV of two cards.
    page.goto(live_server.url + "/practice/deck/")
    check(page, f"practice-deck-empty-{variant}")
    page.get_by_label("CSV or Anki deck (.apkg)").set_input_files(
        files=[
            {
                "name": "mine.csv",
                "mimeType": "text/csv",
                "buffer": b"front,back\nWhat is a KV cache?,Saved keys and values.\n"
                b"Why warm up the learning rate?,Early steps are noisy.\n",
            }
        ]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".saved-questions li")).to_have_count(2)
    check(page, f"practice-deck-{variant}")
    context.close()


def test_the_progress_page_shows_the_members_memory_model(page, live_server):
    from practice.fitting import MIN_REVIEWS, parameters_fit
    from tests.test_practice_fitting import simulated_log

    me = UserFactory(username="fitted")
    simulated_log(me, [practisable_question() for _ in range(40)], reviews=MIN_REVIEWS)
    assert parameters_fit(user=me) is not None
    log_in(page, live_server, me)
    page.goto(live_server.url + "/practice/progress/")
    expect(page.locator("#memory-model-heading")).to_have_text("Your memory model")
    check(page, "practice-progress-memory-model")
    from tests.browser import SCREENSHOT_DIR

    section = page.locator("#memory-model-heading").locator("xpath=..")
    for width in (390, 1280):  # the section alone, for a reviewer (the page is long)
        page.set_viewport_size({"width": width, "height": 900})
        section.screenshot(path=SCREENSHOT_DIR / f"practice-memory-model-{width}.png")
