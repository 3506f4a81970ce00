"""The site's main pages as a visitor, a member and a moderator see them, rendered by the test
client from one small world (math, code and tables in posts, comments, votes, a practice session,
posts awaiting review and a flag), for the checks that go over every page (tests/test_html_*).
"""

from http import HTTPStatus

from django.test import Client
from django.urls import reverse

from moderation.services import flag_create
from notifications.unsubscribe import unsubscribe_token
from practice.models import (
    Card,
    PlanItem,
    PlanSection,
    PracticeSession,
    QuestionList,
    StudyPlan,
)
from questions.models import Answer
from questions.services.answers import answer_create
from questions.services.comments import comment_create
from questions.services.curation import question_close
from questions.services.feedback import difficulty_rate, interview_mark_set
from tests.factories import (
    AnswerFactory,
    TopicFactory,
    UserFactory,
)
from tests.practice_factories import current_item, practisable_question, urls_for

# The imported title that showed raw TeX (question 226 after `make run`).
TEX_TITLE = (
    "Given an integer \\(n\\) and an integer \\(K\\), output a list of all of the "
    "combinations of \\(k\\) numbers chosen from 1 to \\(n\\)."
)
WIDE_ANSWER = """Backpropagation applies the chain rule, layer by layer, from the loss backwards.

```python
def sgd_step(weights, gradient, learning_rate=0.01, momentum=0.9, velocity=None, nesterov=False):
    return weights - learning_rate * gradient  # a line much wider than a phone's screen
```

| optimiser | learning rate | momentum | weight decay | notes on when each one is the right choice |
| --- | --- | --- | --- | --- |
| SGD | 0.1 | 0.9 | 5e-4 | the classic choice for convolutional networks trained for many epochs |

With learning rate \\( \\eta \\) the update is

$$ w_{t+1} = w_t - \\eta \\nabla_w L(w_t) + \\beta (w_t - w_{t-1}) - \\lambda w_t + \\epsilon_t + \\frac{\\partial L}{\\partial w} $$
"""


class World:
    """Who and what the pages show; built in the test's database."""

    def __init__(self):
        self.topic = TopicFactory(slug="deep-learning", name="Deep learning")
        self.question = practisable_question(
            topic=self.topic, title="How does backpropagation work?"
        )
        self.tex_question = practisable_question(topic=self.topic, title=TEX_TITLE)
        for _ in range(2):
            practisable_question(topic=self.topic)
        for reference in Answer.objects.filter(source__isnull=False):
            reference.body += (
                "\n\n```python\nprint('a code block in every reference')\n```"
            )
            reference.save()  # whichever card practice picks shows code
        self.member = UserFactory(username="learner", trusted=True)
        self.other = UserFactory(username="teacher", trusted=True)
        self.moderator = UserFactory(username="warden", moderator=True)
        self.newcomer = UserFactory(username="newcomer")
        self.other_answer = AnswerFactory(
            question=self.question,
            author=self.other,
            is_canonical=True,
            body="It propagates the error backwards with the chain rule.\n\n"
            "```\nloss.backward()\n```",
        )
        self.member_answer = answer_create(
            question=self.question, author=self.member, body=WIDE_ANSWER
        )
        self.comment = comment_create(
            author=self.member,
            body="Could you add the formula? https://example.com/chain-rule",
            answer=self.other_answer,
        )
        comment_create(
            author=self.other, body="Which loss do you mean?", question=self.question
        )
        # Waiting for a moderator: a newcomer's answer and comment; a flag on a published answer.
        self.pending_answer = answer_create(
            question=self.tex_question,
            author=self.newcomer,
            body="Recursion: choose or skip each number, " * 20,
        )
        flag_create(user=self.other, post=self.member_answer, reason="spam", note="")
        self.clients = {"visitor": Client()}
        for reader in ("member", "moderator"):
            client = Client()
            client.force_login(getattr(self, reader))
            self.clients[reader] = client

    def get(self, reader, url, status=HTTPStatus.OK):
        response = self.clients[reader].get(url)
        assert response.status_code == status, (reader, url, response.status_code)
        return response.content.decode()

    def post(self, reader, url, data, status=HTTPStatus.OK):
        response = self.clients[reader].post(url, data)
        assert response.status_code == status, (reader, url, response.status_code)
        return response.content.decode()


def rendered_pages(world: World) -> dict[str, str]:
    """{name: html} of every page a reader reaches in the main journeys."""
    q, tex = world.question, world.tex_question
    pages = {}

    def page(name, reader, url, status=HTTPStatus.OK):
        pages[f"{reader}-{name}"] = world.get(reader, url, status)

    lists = reverse("questions:list")
    for reader in ("visitor", "member", "moderator"):
        page("home", reader, reverse("home"))
        page("list", reader, lists)
        page("question", reader, q.get_absolute_url())
        page("tex-question", reader, tex.get_absolute_url())
        page("profile", reader, world.member.get_absolute_url())
    page("list-filtered", "visitor", f"{lists}?topic=deep-learning&difficulty=medium")
    page("list-search", "visitor", f"{lists}?q=backpropagation")
    page("list-bad-filter", "visitor", f"{lists}?difficulty=nope&page=x")
    # What members told of a question (issue 18): the box with totals and the member's own mark,
    # the lists by them, and the box's error without JavaScript (a year out of range).
    interview_mark_set(
        user=world.member, question=q, role="ml-engineer", company="Acme", year=2025
    )
    difficulty_rate(user=world.other, question=q, difficulty="hard")
    page("question-with-signals", "member", q.get_absolute_url())
    page("list-asked", "visitor", f"{lists}?sort=asked&asked=ml-engineer")
    pages["member-interview-mark-error"] = world.post(
        "member",
        reverse("questions:interview-mark", args=[q.pk]),
        {"role": "ml-engineer", "company": "Acme", "year": "1700"},
        HTTPStatus.BAD_REQUEST,
    )
    page("topic", "visitor", world.topic.get_absolute_url())
    page("topics", "visitor", reverse("questions:topics"))
    page("missing", "visitor", "/no-such-page/", HTTPStatus.NOT_FOUND)
    page("sign-in", "visitor", reverse("account_login"))
    page("sign-up", "visitor", reverse("account_signup"))
    page("password-reset", "visitor", reverse("account_reset_password"))
    pages["visitor-sign-up-errors"] = world.post(
        "visitor",
        reverse("account_signup"),
        {"username": "learner", "email": "bad", "password1": "a", "password2": "b"},
    )

    # A member: their settings, posts and notifications.
    page("settings", "member", reverse("accounts:settings"))
    page("emails", "member", reverse("account_email"))
    page("password-change", "member", reverse("account_change_password"))
    page("notifications", "member", reverse("notifications"))
    page("mail-settings", "member", reverse("notifications:preferences"))
    page("connected-accounts", "member", reverse("socialaccount_connections"))
    unsubscribe = reverse(
        "notifications:unsubscribe",
        args=[unsubscribe_token(world.member.pk, "comment")],
    )
    page("unsubscribe", "visitor", unsubscribe)
    pages["visitor-unsubscribed"] = world.post(
        "visitor", unsubscribe, {"List-Unsubscribe": "One-Click"}
    )
    page(
        "unsubscribe-invalid",
        "visitor",
        reverse("notifications:unsubscribe", args=["cut-in-two"]),
        HTTPStatus.NOT_FOUND,
    )
    page(
        "answer-edit",
        "member",
        reverse("questions:answer-edit", args=[world.member_answer.pk]),
    )
    page(
        "answer-history",
        "member",
        reverse("questions:answer-history", args=[world.member_answer.pk]),
    )
    page(
        "comment-edit",
        "member",
        reverse("questions:comment-edit", args=[world.comment.pk]),
    )
    page(
        "comment-add",
        "member",
        reverse("questions:answer-comment", args=[world.other_answer.pk]),
    )
    page("propose", "member", reverse("questions:propose"))
    page("deleted-posts", "member", reverse("questions:deleted"))
    page(
        "answer-delete",
        "member",
        reverse("questions:answer-delete", args=[world.member_answer.pk]),
    )
    page(
        "comment-delete",
        "member",
        reverse("questions:comment-delete", args=[world.comment.pk]),
    )
    page(
        "flag",
        "member",
        reverse("moderation:flag", args=["answer", world.other_answer.pk]),
    )
    answer_url = reverse("questions:answer-create", args=[q.pk])
    pages["member-answer-preview"] = world.post(
        "member", answer_url, {"body": "A *preview* of \\( x^2 \\).", "preview": "1"}
    )
    pages["member-answer-rejected"] = world.post(
        "member", answer_url, {"body": "Too short."}, HTTPStatus.BAD_REQUEST
    )

    # Practice: a card before and after the reveal, the summary, progress and history.
    page("practice", "member", reverse("practice:home"))
    world.clients["member"].post(reverse("practice:start"), {"mode": "due", "size": 1})
    session = PracticeSession.objects.get(user=world.member)
    item = current_item(session)
    page("practice-card", "member", session.get_absolute_url())
    reveal_url, grade_url = urls_for(item)
    world.clients["member"].post(reveal_url, {"attempt": "The chain rule, backwards."})
    page("practice-revealed", "member", session.get_absolute_url())
    world.clients["member"].post(grade_url, {"rating": "3"})
    page("practice-summary", "member", session.get_absolute_url())
    page("practice-progress", "member", reverse("practice:progress"))
    page("practice-history", "member", reverse("practice:history"))
    card = Card.objects.get(user=world.member, question_id=item.question_id)
    page("practice-card-detail", "member", reverse("practice:card", args=[card.pk]))
    page("practice-cards", "member", reverse("practice:cards"))
    pages["member-practice-cards-rejected"] = world.post(
        "member",
        reverse("practice:cards"),
        {"cards": [card.pk], "action": "set_due"},
        HTTPStatus.BAD_REQUEST,
    )
    pages["member-practice-card-action-rejected"] = world.post(
        "member",
        reverse("practice:card-action", args=[card.pk]),
        {"action": "set_due"},
        HTTPStatus.BAD_REQUEST,
    )
    page("practice-settings", "member", reverse("practice:settings"))

    # Lists and notes: the save page, a public list as its owner and through its share link.
    save_url = reverse("practice:question-save", args=[q.pk])
    world.post(
        "member",
        reverse("practice:lists"),
        {"name": "Onsite", "is_public": "on"},
        HTTPStatus.FOUND,
    )
    world.post("member", save_url, {"new_list": "Tricky ones"}, HTTPStatus.FOUND)
    world.post(
        "member",
        reverse("practice:question-note", args=[q.pk]),
        {"body": "Chain rule."},
        HTTPStatus.FOUND,
    )
    page("practice-lists", "member", reverse("practice:lists"))
    page("practice-question-save", "member", save_url)
    onsite = QuestionList.objects.get(user=world.member, name="Onsite")
    world.post("member", save_url, {"lists": [onsite.pk]}, HTTPStatus.FOUND)
    page("practice-list", "member", onsite.get_absolute_url())
    page("shared-list", "visitor", onsite.get_share_url())
    # The member's own deck, after an import and after a refused one.
    from django.core.files.uploadedfile import SimpleUploadedFile

    world.post(
        "member",
        reverse("practice:deck"),
        {
            "file": SimpleUploadedFile("mine.csv", b"My own front?,My own back\n"),
            "topic": world.topic.pk,
        },
        HTTPStatus.FOUND,
    )
    page("practice-deck", "member", reverse("practice:deck"))
    pages["member-practice-deck-errors"] = world.post(
        "member",
        reverse("practice:deck"),
        {"file": SimpleUploadedFile("notes.pdf", b"%PDF"), "topic": world.topic.pk},
        HTTPStatus.BAD_REQUEST,
    )
    # Study plans: a shipped one (as a visitor and a member who follows it), the index.
    plan = StudyPlan.objects.create(
        slug="onsite", title="Deep learning onsite", is_public=True
    )
    section = PlanSection.objects.create(plan=plan, title="Basics", position=1)
    PlanItem.objects.create(section=section, question=q, position=1)
    PlanItem.objects.create(section=section, question=tex, position=2)
    world.post(
        "member", reverse("practice:plan-join", args=[plan.slug]), {}, HTTPStatus.FOUND
    )
    page("plans", "visitor", reverse("practice:plans"))
    page("plans", "member", reverse("practice:plans"))
    page("plan", "visitor", plan.get_absolute_url())
    page("plan", "member", plan.get_absolute_url())
    page("plan", "moderator", plan.get_absolute_url())  # with the editing forms
    pages["member-practice-list-errors"] = world.post(
        "member", reverse("practice:lists"), {"name": "Onsite"}, HTTPStatus.BAD_REQUEST
    )

    # A moderator's pages.
    page("queue", "moderator", reverse("moderation:queue"))
    page("log", "moderator", reverse("moderation:log"))
    page("removed", "moderator", reverse("moderation:removed"))
    page(
        "member",
        "moderator",
        reverse("moderation:member", args=[world.newcomer.username]),
    )
    page("question-edit", "moderator", reverse("questions:edit", args=[tex.pk]))

    # History of a question (never edited) and of a comment; closing and merging questions.
    page(
        "question-history",
        "visitor",
        reverse("questions:question-history", args=[q.pk]),
    )
    page(
        "comment-history",
        "visitor",
        reverse("questions:comment-history", args=[world.comment.pk]),
    )
    page(
        "question-close", "moderator", reverse("moderation:question-close", args=[q.pk])
    )
    merge_url = reverse("moderation:question-merge", args=[tex.pk])
    page("question-merge", "moderator", merge_url)
    pages["moderator-question-merge-confirm"] = world.post(
        "moderator", merge_url, {"target": str(q.pk)}
    )
    closed = practisable_question(
        topic=world.topic, title="Which GPU should I buy for training?"
    )
    question_close(
        question=closed,
        by=world.moderator,
        reason="duplicate",
        duplicate_of=q,
        note="Asked many times.",
    )
    for reader in ("visitor", "member", "moderator"):
        page("closed-question", reader, closed.get_absolute_url())
    return pages
