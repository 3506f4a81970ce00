import re

import pytest
from playwright.sync_api import expect

from practice.models import Review
from tests.browser import assert_accessible, log_in, screenshot
from tests.factories import AnswerFactory, TopicFactory, UserFactory
from tests.practice_factories import bulk_history, practisable_question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTIONS = [
    (
        "How does backpropagation work?",
        "Backpropagation applies the chain rule: \\( \\frac{\\partial L}{\\partial w} = \\frac{\\partial L}{\\partial y} \\frac{\\partial y}{\\partial w} \\), layer by layer.",
    ),
    (
        "What is overfitting?",
        "The model learns the noise of the training set, so it does well there and badly on new data.",
    ),
    (
        "Why use dropout?",
        "Dropping random units during training stops co-adaptation and acts as a regulariser.",
    ),
    (
        "What does a learning rate schedule do?",
        "It changes the step size during training: large steps first, smaller ones to settle.",
    ),
]


def check(page, name):
    assert_accessible(page)
    screenshot(page, name)


def htmx_settled(page):
    """Wait until htmx has finished swapping and settling the new card before typing into it."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_practise_four_cards_and_see_them_on_the_progress_page(
    page, live_server, viewport
):
    page.set_viewport_size(viewport)
    size = "phone" if viewport["width"] < 600 else "desktop"
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    topic = TopicFactory(slug="deep-learning", name="Deep learning")
    for title, canonical in QUESTIONS:
        question = practisable_question(topic=topic, title=title)
        AnswerFactory(question=question, is_canonical=True, body=canonical)
    me = UserFactory(username="learner")
    log_in(page, live_server, me)

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Practice"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice")
    expect(page.locator(".stat-tile").nth(1)).to_contain_text("4")
    check(page, f"practice-home-{size}")
    page.get_by_label("Cards").fill("4")
    page.get_by_role("button", name="Start practising").click()

    # Card 1: write an attempt, reveal, grade with the mouse.
    expect(page.locator(".practice-position")).to_contain_text("Card 1 of 4")
    htmx_settled(page)
    expect(page.locator(".answer")).to_have_count(0)  # no answer before the attempt
    page.evaluate("window.__sameDocument = true")
    first_title = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("textbox", name="Your attempt").fill(
        "The chain rule, applied backwards."
    )
    check(page, f"practice-question-{size}")
    page.get_by_role("button", name="Reveal the answers").click()
    expect(page.locator(".answer-canonical")).to_be_visible()
    expect(page.locator(".attempt-text")).to_contain_text(
        "The chain rule, applied backwards."
    )
    check(page, f"practice-reveal-{size}")
    page.get_by_role("button", name=re.compile("^Good")).click()

    # Card 2: keyboard only: Space reveals, 3 grades Good.
    expect(page.locator(".practice-position")).to_contain_text("Card 2 of 4")
    htmx_settled(page)
    expect(page.locator(".answer")).to_have_count(0)
    expect(
        page.locator("#card-heading")
    ).to_be_focused()  # the new card takes the focus
    page.keyboard.press("Space")
    expect(page.locator(".answer-canonical")).to_be_visible()
    expect(page.locator(".my-attempt")).to_contain_text("without writing it down")
    expect(page.locator("#attempt-heading")).to_be_focused()
    page.keyboard.press("3")

    # Card 3: "I thought it through", then Hard.
    expect(page.locator(".practice-position")).to_contain_text("Card 3 of 4")
    htmx_settled(page)
    page.get_by_role("button", name="I thought it through").click()
    expect(page.locator(".answer-canonical")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Hard")).click()

    # Card 4: attempt, reveal with Ctrl+Enter from the text box, Again with the key 1.
    expect(page.locator(".practice-position")).to_contain_text("Card 4 of 4")
    htmx_settled(page)
    page.get_by_role("textbox", name="Your attempt").fill("Not sure.")
    page.get_by_role("textbox", name="Your attempt").press("Control+Enter")
    expect(page.locator(".answer-canonical")).to_be_visible()
    # The focus left the text box for the revealed card, so digits grade again.
    expect(page.locator("#attempt-heading")).to_be_focused()
    page.keyboard.press("1")

    expect(page.get_by_role("heading", level=1)).to_have_text("Session complete")
    expect(page.locator(".lead")).to_contain_text("4 cards graded, 3 recalled")
    assert page.evaluate("window.__sameDocument") is True  # every card loaded in place
    check(page, f"practice-summary-{size}")
    assert sorted(Review.objects.filter(user=me).values_list("rating", flat=True)) == [
        1,
        2,
        3,
        3,
    ]

    page.get_by_role("link", name="See your progress").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your progress")
    expect(page.locator(".stat-tile").first).to_contain_text("4")
    expect(page.locator(".mastery-table")).to_contain_text("Deep learning")
    expect(page.locator(".mastery-table")).to_contain_text("4 of 4")
    expect(page.locator(".heatmap")).to_be_visible()
    check(page, f"practice-progress-{size}")

    page.get_by_role("navigation", name="Practice").get_by_role(
        "link", name="History"
    ).click()
    expect(page.locator(".history-table tbody tr")).to_have_count(4)
    check(page, f"practice-history-{size}")
    page.get_by_role("link", name=first_title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first_title)
    expect(page.locator(".attempt-cell")).to_contain_text(
        "The chain rule, applied backwards."
    )
    check(page, f"practice-card-{size}")

    page.get_by_role("navigation", name="Practice").get_by_role(
        "link", name="Settings"
    ).click()
    expect(page.get_by_label("Desired retention")).to_have_value("0.9")
    check(page, f"practice-settings-{size}")

    # A mock interview shows a live countdown.
    page.get_by_role("navigation", name="Practice").get_by_role(
        "link", name="Practise"
    ).click()
    page.get_by_role("radio", name="Mock interview").check()
    page.get_by_label("Cards").fill("2")
    page.get_by_label("Time limit (mock interview)").fill("10")
    page.get_by_role("button", name="Start practising").click()
    countdown = page.locator(".countdown-value")
    expect(countdown).to_have_text(re.compile(r"^(10:00|9:5\d)$"))
    expect(countdown).to_have_text(re.compile(r"^9:5\d$"), timeout=3000)
    expect(page.locator(".card-timer")).to_be_visible()
    check(page, f"practice-mock-{size}")
    assert not errors, errors


def test_the_progress_tables_fit_a_desktop_screen(page, live_server):
    """Issue 16 item 8: the predicted-versus-actual table was clipped (scrolled) at 1280 px."""
    page.set_viewport_size({"width": 1280, "height": 900})
    me = UserFactory(username="veteran")
    topic = TopicFactory(slug="trees", name="Trees and ensembles")
    questions = [practisable_question(topic=topic) for _ in range(6)]
    bulk_history(me, questions, reviews=120)
    log_in(page, live_server, me)
    page.goto(f"{live_server.url}/practice/progress/")
    expect(
        page.get_by_role("heading", name="Predicted versus actual recall")
    ).to_be_visible()
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('.table-wrap')]
              .filter(w => w.scrollWidth > w.clientWidth + 1)
              .map(w => w.getAttribute('aria-label'))"""
    )
    assert overflowing == []
    check(page, "practice-progress-history-desktop")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_undo_skip_suspend_and_the_card_browser(browser, live_server, javascript):
    """Undo a grade (U with JavaScript, the button without), skip and suspend a card, then
    unsuspend it from the card browser; every page checked by axe."""
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    topic = TopicFactory(slug="deep-learning", name="Deep learning")
    for title, canonical in QUESTIONS:
        question = practisable_question(topic=topic, title=title)
        AnswerFactory(question=question, is_canonical=True, body=canonical)
    me = UserFactory(username="controller")
    log_in(page, live_server, me)
    page.goto(live_server.url + "/practice/")
    page.get_by_label("Cards").fill("4")
    page.get_by_role("button", name="Start practising").click()
    expect(page.locator(".practice-position")).to_contain_text("Card 1 of 4")
    if javascript:
        htmx_settled(page)
    first = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="I thought it through").click()
    page.get_by_role("button", name=re.compile("^Easy")).click()
    expect(page.locator(".practice-position")).to_contain_text("Card 2 of 4")
    assert Review.objects.filter(user=me).count() == 1
    if javascript:
        htmx_settled(page)
        page.locator("body").press("u")
    else:
        page.get_by_role("button", name=re.compile("^Undo the last grade")).click()
    expect(page.locator(".practice-position")).to_contain_text("Card 1 of 4")
    expect(page.get_by_role("heading", level=1)).to_have_text(first)
    expect(page.locator(".grade-form")).to_be_visible()
    assert Review.objects.counted().filter(user=me).count() == 0
    check(page, f"practice-undone-{'js' if javascript else 'nojs'}")
    page.get_by_role("button", name=re.compile("^Good")).click()
    expect(page.locator(".practice-position")).to_contain_text("Card 2 of 4")
    if javascript:
        htmx_settled(page)
    skipped = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name=re.compile("^Skip")).click()
    # The next card takes the skipped one's place (the same number).
    expect(page.get_by_role("heading", level=1)).not_to_have_text(skipped)
    expect(page.locator(".practice-position")).to_contain_text("Card 2 of 4")
    if javascript:
        htmx_settled(page)
    suspended = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name=re.compile("^Suspend")).click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(suspended)
    expect(page.locator(".practice-position")).to_contain_text("Card 2 of 4")

    page.goto(live_server.url + "/practice/cards/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cards")
    expect(page.locator(".card-table tbody tr")).to_have_count(2)
    check(page, f"practice-cards-{'js' if javascript else 'nojs'}")
    page.get_by_label("State").select_option("suspended")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.locator(".card-table tbody tr")).to_have_count(1)
    expect(page.locator(".card-table")).to_contain_text(suspended)
    page.get_by_label(re.compile("^Tick")).check()
    page.get_by_label("Action").select_option("unsuspend")
    page.get_by_role("button", name="Apply to ticked cards").click()
    expect(page.locator(".messages")).to_contain_text("unsuspended")
    expect(page.locator(".empty")).to_contain_text("No cards match these filters")
    check(page, f"practice-cards-after-{'js' if javascript else 'nojs'}")
    context.close()
