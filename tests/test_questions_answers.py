from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from questions.models import (
    Answer,
    AnswerRevision,
    Notification,
    Question,
    QuestionFollow,
)
from questions.services.answers import answer_create, answer_delete, answer_edit
from tests.factories import AnswerFactory, QuestionFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD_BODY = (
    "Gradient descent moves the weights against the gradient of the loss, step by step."
)
CODE_AND_MATH = "Use a learning rate \\( \\eta \\).\n\n```python\nw = w - lr * grad\n```\n\n$$ w_{t+1} = w_t - \\eta \\nabla L $$\n"


def test_answer_create_publishes_counts_follows_and_keeps_revision_one(user):
    question = QuestionFactory()
    before = question.last_activity_at
    answer = answer_create(question=question, author=user, body=GOOD_BODY)
    question.refresh_from_db()
    assert question.answer_count == 1 and question.last_activity_at > before
    assert list(answer.revisions.values_list("number", "body")) == [(1, GOOD_BODY)]
    assert QuestionFollow.objects.filter(user=user, question=question).exists()


def test_followers_hear_about_new_answers_but_not_the_author(user):
    question = QuestionFactory()
    follower = UserFactory(trusted=True)
    QuestionFollow.objects.create(user=follower, question=question)
    answer_create(question=question, author=user, body=GOOD_BODY)
    assert Notification.objects.filter(recipient=follower, kind="answer").count() == 1
    assert not Notification.objects.filter(recipient=user).exists()
    # Earlier answerers follow automatically, so they hear about the next answer too.
    answer_create(question=question, author=follower, body=GOOD_BODY + " More.")
    assert Notification.objects.filter(recipient=user, kind="answer").count() == 1


def test_answer_edit_keeps_each_change_as_a_revision(user):
    answer = answer_create(question=QuestionFactory(), author=user, body=GOOD_BODY)
    answer_edit(answer=answer, editor=user, body=GOOD_BODY)  # unchanged: no revision
    answer = answer_edit(
        answer=answer,
        editor=user,
        body=GOOD_BODY + " With momentum it converges faster.",
    )
    assert answer.revision_count == 2
    assert list(
        AnswerRevision.objects.filter(answer=answer).values_list("number", flat=True)
    ) == [1, 2]


def test_answer_delete_is_soft_and_updates_the_count(user):
    answer = answer_create(question=QuestionFactory(), author=user, body=GOOD_BODY)
    answer_delete(answer=answer, by=user)
    answer.refresh_from_db()
    assert answer.deleted_at is not None
    assert Question.objects.get(pk=answer.question_id).answer_count == 0
    assert not Answer.objects.visible().filter(pk=answer.pk).exists()


def post_answer(client, question, body, **extra):
    return client.post(
        reverse("questions:answer-create", args=[question.pk]), {"body": body, **extra}
    )


def test_anonymous_visitor_is_sent_to_log_in(client):
    question = QuestionFactory()
    response = post_answer(client, question, GOOD_BODY)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))
    assert not Answer.objects.exists()


def test_unverified_user_is_refused_with_a_reason(client):
    client.force_login(UserFactory(verified=False))
    response = post_answer(client, QuestionFactory(), GOOD_BODY)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Verify your e-mail" in response.content.decode()
    assert not Answer.objects.exists()


def test_posting_an_answer_renders_code_and_math(user_client):
    question = QuestionFactory()
    response = post_answer(user_client, question, CODE_AND_MATH)
    answer = Answer.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == answer.get_absolute_url()
    html = user_client.get(question.get_absolute_url()).content.decode()
    assert 'class="highlight"' in html
    assert "<math>" in html  # MathML, written when the answer was saved


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("too short", "at least 30 characters"),
        ("x" * 30_001, "at most 30000 characters"),
        ("   " * 20, "required"),
    ],
)
def test_rejected_answer_is_shown_again_with_the_text_and_reason(
    user_client, body, message
):
    question = QuestionFactory()
    response = post_answer(user_client, question, body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert message in html.replace(",", "")
    if body.strip():
        assert body[:50] in html
    assert not Answer.objects.exists()


def test_preview_without_javascript_keeps_the_text_and_posts_nothing(user_client):
    question = QuestionFactory()
    response = post_answer(user_client, question, CODE_AND_MATH, preview="1")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Preview" in html and 'class="highlight"' in html
    assert "w = w - lr * grad" in html
    assert not Answer.objects.exists()


def test_live_preview_renders_sanitised_markdown(user_client):
    response = user_client.post(
        reverse("questions:answer-preview"),
        {"body": "**bold** <script>alert(1)</script>"},
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<strong>bold</strong>" in html and "<script>" not in html


def test_author_edits_answer_and_history_shows_the_diff(client, user):
    answer = answer_create(question=QuestionFactory(), author=user, body=GOOD_BODY)
    client.force_login(user)
    assert (
        client.get(reverse("questions:answer-edit", args=[answer.pk])).status_code
        == HTTPStatus.OK
    )
    new_body = GOOD_BODY + "\n\nMomentum adds a velocity term."
    response = client.post(
        reverse("questions:answer-edit", args=[answer.pk]), {"body": new_body}
    )
    assert response.status_code == HTTPStatus.FOUND
    answer.refresh_from_db()
    assert answer.body == new_body and answer.revision_count == 2
    html = client.get(
        reverse("questions:answer-history", args=[answer.pk])
    ).content.decode()
    assert "Revision 2" in html and "Revision 1 (original)" in html
    assert '<span class="diff-add">+ Momentum adds a velocity term.</span>' in html


def test_invalid_edit_keeps_the_text(client, user):
    answer = AnswerFactory(author=user, body=GOOD_BODY)
    client.force_login(user)
    response = client.post(
        reverse("questions:answer-edit", args=[answer.pk]), {"body": "short but mine"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "short but mine" in response.content.decode()
    answer.refresh_from_db()
    assert answer.body == GOOD_BODY


def test_only_the_author_or_a_moderator_edits_or_deletes(client, user, moderator):
    answer = AnswerFactory(author=user)
    other = UserFactory()
    client.force_login(other)
    assert (
        client.get(reverse("questions:answer-edit", args=[answer.pk])).status_code
        == HTTPStatus.FORBIDDEN
    )
    assert (
        client.post(reverse("questions:answer-delete", args=[answer.pk])).status_code
        == HTTPStatus.FORBIDDEN
    )
    client.force_login(moderator)
    assert (
        client.get(reverse("questions:answer-edit", args=[answer.pk])).status_code
        == HTTPStatus.OK
    )
    client.force_login(user)
    assert (
        client.post(reverse("questions:answer-delete", args=[answer.pk])).status_code
        == HTTPStatus.FOUND
    )
    assert (
        client.get(answer.question.get_absolute_url())
        .content.decode()
        .count(answer.body[:30])
        == 0
    )


def test_question_page_orders_canonical_first_then_score_with_newest_toggle(client):
    question = QuestionFactory()
    old_high = AnswerFactory(
        question=question,
        score=5,
        body="High scoring older answer " * 3,
        created_at=timezone.now() - timedelta(days=2),
    )
    new_low = AnswerFactory(
        question=question, score=1, body="Low scoring newer answer " * 3
    )
    canonical = AnswerFactory(
        question=question,
        score=0,
        is_canonical=True,
        body="The canonical answer text " * 3,
    )
    reference = AnswerFactory(
        question=question,
        author=None,
        source=SourceFactory(title="Some Collection"),
        body="Reference text from a source " * 3,
    )
    html = client.get(question.get_absolute_url()).content.decode()
    positions = [
        html.index(f'id="answer-{a.pk}"')
        for a in (canonical, old_high, new_low, reference)
    ]
    assert positions == sorted(positions)
    assert "Canonical answer" in html and "Some Collection" in html
    html = client.get(question.get_absolute_url() + "?answers=newest").content.decode()
    assert (
        html.index(f'id="answer-{canonical.pk}"')
        < html.index(f'id="answer-{new_low.pk}"')
        < html.index(f'id="answer-{old_high.pk}"')
    )


def test_question_page_query_count_does_not_grow_with_answers_and_comments(
    client, user, django_assert_max_num_queries
):
    from questions.services.comments import comment_create

    question = QuestionFactory()
    client.force_login(user)

    def fill(n):
        for _ in range(n):
            answer = AnswerFactory(question=question)
            comment_create(
                author=UserFactory(trusted=True), body="A useful remark.", answer=answer
            )
        comment_create(author=user, body="On the question itself.", question=question)

    fill(2)
    with django_assert_max_num_queries(12) as small:
        client.get(question.get_absolute_url())
    fill(15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(question.get_absolute_url())
    assert response.content.decode().count('class="comment"') == 17 + 2


def test_question_url_with_wrong_slug_redirects(client):
    question = QuestionFactory()
    response = client.get(reverse("questions:detail", args=[question.pk, "wrong-slug"]))
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == question.get_absolute_url()


def test_a_queued_answer_is_greeted_as_awaiting_review_and_only_its_author_sees_it(
    client, new_user
):
    question = QuestionFactory()
    client.force_login(new_user)
    response = client.post(
        reverse("questions:answer-create", args=[question.pk]),
        {"body": GOOD_BODY},
        follow=True,
    )
    assert response.status_code == HTTPStatus.OK
    text = response.content.decode()
    assert "Your answer was posted." not in text
    assert "Your answer awaits review by a moderator" in text
    assert "only you can see it" in text
    assert GOOD_BODY in text  # the author sees it, marked
    assert "Awaiting review" in text
    other = UserFactory(trusted=True)
    client.force_login(other)
    assert GOOD_BODY not in client.get(question.get_absolute_url()).content.decode()
    client.logout()
    assert GOOD_BODY not in client.get(question.get_absolute_url()).content.decode()


def test_a_published_answer_is_greeted_as_posted(user_client):
    question = QuestionFactory()
    response = user_client.post(
        reverse("questions:answer-create", args=[question.pk]),
        {"body": GOOD_BODY},
        follow=True,
    )
    text = response.content.decode()
    assert "Your answer was posted." in text
    assert "awaits review" not in text
