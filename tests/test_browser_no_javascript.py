"""The main journey with JavaScript turned off: the README promises every page works without it.

Sign in, browse with the filter form, search, read a question, answer (once rejected, then
posted), vote, comment, practise a card (attempt, reveal, grade), see the progress page and sign
out. Every form is a plain form that posts and comes back; every page is checked with axe.
At phone width, where the folded filter form and account menu (<details>) must open by hand.
"""

import re

import pytest
from playwright.sync_api import expect

from practice.models import Review
from questions.models import Answer, Comment, Vote
from tests.browser import PHONE, assert_accessible, log_in, new_page, screenshot
from tests.factories import AnswerFactory, QuestionFactory, TopicFactory, UserFactory
from tests.practice_factories import practisable_question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = """Backpropagation applies the chain rule layer by layer, from the loss backwards.

```python
def sgd_step(w, grad, lr=0.01):
    return w - lr * grad
```

With learning rate \\( \\eta \\) the update is \\( w - \\eta \\nabla L \\).
"""


def test_the_main_journey_works_without_javascript(browser, live_server):
    topic = TopicFactory(slug="neural-networks", name="Neural networks")
    question = practisable_question(topic=topic, title="How does backpropagation work?")
    QuestionFactory(title="What is a decision tree?")
    other_answer = AnswerFactory(
        question=question,
        body="It propagates the error backwards through the network using derivatives.",
    )
    me = UserFactory(username="learner", trusted=True)
    page = new_page(browser, java_script_enabled=False, viewport=PHONE)
    log_in(page, live_server, me)

    # Browse: the filter form is folded on a phone; open it, filter by topic.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Questions"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions")
    expect(page.get_by_label("Topic")).to_be_hidden()
    assert_accessible(page)
    page.get_by_text("Filter and sort").click()
    page.get_by_label("Topic").select_option("neural-networks")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"topic=neural-networks"))
    expect(page.locator(".question-row")).to_have_count(1)
    expect(page.get_by_label("Topic")).to_be_visible()  # open while a filter is on
    assert_accessible(page)

    # Search from the header.
    page.get_by_role("searchbox", name="Search questions").fill("decision")
    page.get_by_role("searchbox", name="Search questions").press("Enter")
    expect(page.get_by_role("link", name="What is a decision tree?")).to_be_visible()
    expect(
        page.get_by_role("link", name="How does backpropagation work?")
    ).to_have_count(0)
    assert_accessible(page)

    # Read a question.
    page.goto(live_server.url + question.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "How does backpropagation work?"
    )
    expect(page.locator("#answers-heading")).to_have_text("1 answer")
    assert_accessible(page)

    # Answer: too short first; the reason is at the top of the form, focused and in view.
    page.get_by_role("textbox", name="Your answer").fill("Chain rule.")
    page.get_by_role("button", name="Post your answer").click()
    summary = page.locator("#answer-errors")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("Your answer was not posted")
    expect(page.get_by_role("textbox", name="Your answer")).to_have_value("Chain rule.")
    assert_accessible(page)
    screenshot(page, "no-js-answer-rejected-phone")
    page.get_by_role("textbox", name="Your answer").fill(ANSWER)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#answer-preview .highlight")).to_contain_text("def sgd_step")
    assert_accessible(page)
    page.get_by_role("button", name="Post your answer").click()
    mine = Answer.objects.get(author=me)
    expect(page.locator(f"#answer-{mine.pk} .highlight")).to_contain_text(
        "def sgd_step"
    )
    # Math without JavaScript: rendered to MathML when saved, which the browser draws itself.
    expect(page.locator(f"#answer-{mine.pk} math").first).to_contain_text("η")
    expect(page.locator("#answers-heading")).to_have_text("2 answers")
    assert_accessible(page)

    # Vote: the form posts and the page comes back with the vote pressed.
    box = page.locator(f"#vote-box-{other_answer.pk}")
    box.get_by_role("button", name="Upvote").click()
    box = page.locator(f"#vote-box-{other_answer.pk}")
    expect(box.get_by_role("button", name="Upvote")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(box.locator(".vote-score")).to_contain_text("1")
    assert Vote.objects.get(user=me, answer=other_answer).value == 1
    assert_accessible(page)

    # Comment: the card's link opens the comment form's own page without JavaScript.
    card = page.locator(f"#answer-{other_answer.pk}")
    card.get_by_role("link", name="Add a comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a comment")
    assert_accessible(page)
    page.get_by_role("textbox", name="Comment").fill(
        "Could you add the chain rule formula?"
    )
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator(f"#answer-{other_answer.pk} .comment")).to_contain_text(
        "Could you add the chain rule formula?"
    )
    assert Comment.objects.get().author == me
    assert_accessible(page)

    # Practise one card: attempt, reveal, grade.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Practice"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice")
    assert_accessible(page)
    page.get_by_label("Cards").fill("1")
    page.get_by_role("button", name="Start practising").click()
    expect(page.locator(".practice-position")).to_contain_text("Card 1 of 1")
    page.get_by_role("textbox", name="Your attempt").fill("The chain rule, backwards.")
    assert_accessible(page)
    page.get_by_role("button", name="Reveal the answers").click()
    expect(page.locator(".attempt-text")).to_contain_text("The chain rule, backwards.")
    expect(page.locator(".reveal .answer").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Good")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Session complete")
    assert Review.objects.get(user=me).rating == 3

    # The progress page.
    page.get_by_role("link", name="See your progress").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your progress")
    expect(page.locator(".mastery-table")).to_contain_text("Neural networks")
    assert_accessible(page)
    screenshot(page, "no-js-progress-phone")

    # Sign out from the account menu, folded on a phone.
    account = page.get_by_role("navigation", name="Account")
    expect(account.get_by_role("button", name="Sign out")).to_be_hidden()
    account.locator("summary").click()
    account.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("Sign in")
    assert_accessible(page)
