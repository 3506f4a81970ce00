import pytest
from playwright.sync_api import expect

from questions.models import Answer, Comment, Vote
from tests.browser import assert_accessible, log_in, screenshot
from tests.factories import (
    AnswerFactory,
    QuestionFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = """Backpropagation applies the chain rule layer by layer.

```python
def sgd_step(w, grad, lr=0.01):
    return w - lr * grad
```

With learning rate \\( \\eta \\) the update is

$$ w_{t+1} = w_t - \\eta \\nabla_w L(w_t) $$
"""


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_search_answer_vote_and_comment(page, live_server, viewport):
    page.set_viewport_size(viewport)
    size = "phone" if viewport["width"] < 600 else "desktop"
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    topic = TopicFactory(slug="neural-networks", name="Neural networks")
    question = QuestionFactory(title="How does backpropagation work?", topic=topic)
    QuestionFactory(title="What is a decision tree?")
    other_answer = AnswerFactory(
        question=question,
        body="It propagates the error backwards through the network using derivatives.",
    )
    me = UserFactory(username="learner", trusted=True)  # publishes at once
    log_in(page, live_server, me)

    # Search from the header, open the question.
    page.get_by_role("searchbox", name="Search questions").fill("backpropagation")
    page.get_by_role("searchbox", name="Search questions").press("Enter")
    expect(
        page.get_by_role("link", name="How does backpropagation work?")
    ).to_be_visible()
    expect(page.get_by_role("link", name="What is a decision tree?")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, f"search-{size}")
    page.get_by_role("link", name="How does backpropagation work?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "How does backpropagation work?"
    )
    assert_accessible(page)

    # Live preview, then post: code is highlighted and math as MathML.
    page.get_by_role("textbox", name="Your answer").fill(ANSWER)
    expect(page.locator("#answer-preview .highlight")).to_be_visible()
    expect(page.locator("#answer-preview math").first).to_be_visible()
    page.get_by_role("button", name="Post your answer").click()
    mine = Answer.objects.get(author=me)
    card = page.locator(f"#answer-{mine.pk}")
    expect(card.locator(".highlight")).to_contain_text("def sgd_step")
    expect(card.locator("math").first).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("posted")

    # Vote on the other answer without a page reload.
    page.evaluate("window.__sameDocument = true")
    box = page.locator(f"#vote-box-{other_answer.pk}")
    box.get_by_role("button", name="Upvote").click()
    expect(box.locator(".vote-score")).to_contain_text("1")
    expect(box.get_by_role("button", name="Upvote")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert page.evaluate("window.__sameDocument") is True
    assert Vote.objects.get(user=me, answer=other_answer).value == 1

    # Comment on it, also in place.
    other_card = page.locator(f"#answer-{other_answer.pk}")
    other_card.get_by_role("link", name="Add a comment").click()
    other_card.get_by_role("textbox", name="Comment").fill(
        "Could you add the chain rule formula?"
    )
    other_card.get_by_role("button", name="Add comment").click()
    expect(other_card.locator(".comment")).to_contain_text(
        "Could you add the chain rule formula?"
    )
    assert page.evaluate("window.__sameDocument") is True
    assert Comment.objects.get().author == me
    assert_accessible(page)
    screenshot(page, f"question-{size}")
    assert not errors, errors
