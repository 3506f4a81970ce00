"""History for everything edited: questions and comments get the history page, the diff and the
moderators' rollback that answers have (one view and template for the three)."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from moderation.models import AuditLogEntry
from moderation.services import post_hide
from questions.models import Comment, Question
from questions.services.answers import answer_create
from questions.services.comments import comment_create, comment_edit
from questions.services.questions import question_edit
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

ORIGINAL = "What is the vanishing gradient problem?"
EDITED = "What is the vanishing-gradient problem, and how do you fix it?"


@pytest.fixture
def edited_question(moderator):
    question = QuestionFactory(title=ORIGINAL, body="In deep networks.")
    return question_edit(
        question=question,
        editor=moderator,
        title=EDITED,
        body="In deep networks trained with backpropagation.",
        topic=question.topic,
        difficulty=question.difficulty,
    )


def test_question_history_shows_each_revision_as_a_diff(edited_question):
    page = Client().get(
        reverse("questions:question-history", args=[edited_question.pk])
    )
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "History of the question" in html
    assert "Revision 2" in html and "Revision 1 (original)" in html
    assert f'<span class="diff-del">− {ORIGINAL}</span>' in html
    assert f'<span class="diff-add">+ {EDITED}</span>' in html
    assert "Roll back" not in html  # visitors don't get the buttons
    # The question page links its history.
    question_page = Client().get(edited_question.get_absolute_url()).content.decode()
    assert (
        reverse("questions:question-history", args=[edited_question.pk])
        in question_page
    )


def test_a_never_edited_question_says_so():
    question = QuestionFactory()
    html = (
        Client()
        .get(reverse("questions:question-history", args=[question.pk]))
        .content.decode()
    )
    assert "it was never edited" in html


def test_moderator_rolls_a_question_back(moderator_client, moderator, edited_question):
    Client().get(edited_question.get_absolute_url())  # cached for visitors
    history = moderator_client.get(
        reverse("questions:question-history", args=[edited_question.pk])
    )
    assert "Roll back to this revision" in history.content.decode()
    response = moderator_client.post(
        reverse("moderation:question-rollback", args=[edited_question.pk]),
        {"number": "1"},
    )
    assert response.status_code == HTTPStatus.FOUND
    question = Question.objects.get(pk=edited_question.pk)
    assert (question.title, question.body) == (ORIGINAL, "In deep networks.")
    assert question.revisions.count() == 3  # the rollback is a revision too
    entry = AuditLogEntry.objects.get(
        target_type="question", target_id=question.pk, action="rollback"
    )
    assert (entry.action, entry.reason) == ("rollback", "to revision 1")
    assert ORIGINAL in Client().get(question.get_absolute_url()).content.decode()
    missing = moderator_client.post(
        reverse("moderation:question-rollback", args=[question.pk]), {"number": "9"}
    )
    assert missing.status_code == HTTPStatus.NOT_FOUND


@pytest.fixture
def edited_comment():
    author = UserFactory(trusted=True)
    question = QuestionFactory()
    answer = answer_create(
        question=question,
        author=UserFactory(trusted=True),
        body="Residual connections keep gradients alive.",
    )
    comment = comment_create(author=author, body="What about LSTMs?", answer=answer)
    return comment_edit(
        comment=comment, body="What about LSTMs and GRUs?", editor=author
    )


def test_comment_history_and_rollback(moderator_client, edited_comment):
    url = reverse("questions:comment-history", args=[edited_comment.pk])
    html = Client().get(url).content.decode()
    assert "History of a comment by" in html
    assert '<span class="diff-add">+ What about LSTMs and GRUs?</span>' in html
    response = moderator_client.post(
        reverse("moderation:comment-rollback", args=[edited_comment.pk]),
        {"number": "1"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert Comment.objects.get(pk=edited_comment.pk).body == "What about LSTMs?"
    assert (
        AuditLogEntry.objects.filter(action="rollback", target_type="comment").count()
        == 1
    )
    page = (
        Client().get(edited_comment.answer.question.get_absolute_url()).content.decode()
    )
    assert "What about LSTMs?" in page and "GRUs" not in page


def test_a_hidden_comments_history_is_a_404_to_others(moderator, edited_comment):
    post_hide(moderator=moderator, post=edited_comment)
    url = reverse("questions:comment-history", args=[edited_comment.pk])
    assert Client().get(url).status_code == HTTPStatus.NOT_FOUND
    other = Client()
    other.force_login(UserFactory())
    assert other.get(url).status_code == HTTPStatus.NOT_FOUND
    mod = Client()
    mod.force_login(moderator)
    assert mod.get(url).status_code == HTTPStatus.OK


def test_history_pages_query_counts(
    django_assert_num_queries, edited_question, edited_comment
):
    client = Client()
    with django_assert_num_queries(2):
        client.get(reverse("questions:question-history", args=[edited_question.pk]))
    with django_assert_num_queries(2):
        client.get(reverse("questions:comment-history", args=[edited_comment.pk]))
