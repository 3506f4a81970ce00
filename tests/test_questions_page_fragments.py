"""Answer cards and the question's own text on the question page come from the cache when
readers would see the same HTML (questions/views/detail.py, caching/templatetags/fragments.py).

With `production_caches` the cache behaves as Redis does in production. Writes go through the
real views; "behind the services' back" updates show which cards were served from the cache.
"""

import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from caching.html import CSRF_PLACEHOLDER
from questions.models import Answer, Comment, Question
from tests.factories import AnswerFactory, QuestionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_caches")]

BODY = "It keeps the inputs of each layer in a steady range."
CHANGED_BEHIND = "<p>Changed without telling the cache.</p>"


@pytest.fixture
def answer():
    question = QuestionFactory(title="Why does batch normalisation speed up training?")
    return AnswerFactory(
        question=question,
        author=UserFactory(trusted=True, display_name="Ada Answerer"),
        body=BODY,
    )


def signed_in(user=None, **kwargs):
    client = Client(**kwargs)
    client.member = user or UserFactory(trusted=True)
    client.force_login(client.member)
    return client


def page(client, answer):
    response = client.get(answer.question.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def card(html, answer):
    """The <article> of one answer."""
    match = re.search(
        rf'<article [^>]*id="answer-{answer.pk}".*?</article>', html, re.S
    )
    assert match, "no card for the answer"
    return match.group(0)


def change_behind_the_cache(answer):
    Answer.objects.filter(pk=answer.pk).update(body_html=CHANGED_BEHIND)


def test_a_card_rendered_for_one_member_is_served_to_the_next(answer):
    first = card(page(signed_in(), answer), answer)
    change_behind_the_cache(answer)
    second = card(page(signed_in(), answer), answer)
    assert BODY in second and CHANGED_BEHIND not in second  # from the cache
    # Identical but for the CSRF token each reader gets.
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", first) == strip.sub("", second)


def test_members_and_anonymous_readers_do_not_share_cards(answer):
    page(signed_in(), answer)  # a member's card is cached, with its flag link
    anonymous = card(page(Client(), answer), answer)
    assert "Flag" not in anonymous and "Sign in to vote" in anonymous


def test_a_members_card_keeps_their_own_vote(answer):
    voter = signed_in()
    voter.post(reverse("questions:answer-vote", args=[answer.pk]), {"value": "1"})
    page(signed_in(), answer)  # cached for members who did not vote
    mine = card(page(voter, answer), answer)
    assert 'aria-pressed="true"' in mine and "Undo your upvote" in mine
    theirs = card(page(signed_in(), answer), answer)
    assert 'aria-pressed="true"' not in theirs
    assert "Score: </span>1<" in theirs  # the vote's score, not the card before it


def test_the_author_and_commenters_get_their_own_links(answer):
    page(signed_in(), answer)  # the shared card: Flag, no Edit
    author = card(page(signed_in(answer.author), answer), answer)
    assert (
        'href="{}"'.format(reverse("questions:answer-edit", args=[answer.pk])) in author
    )
    commenter = signed_in()
    commenter.post(
        reverse("questions:answer-comment", args=[answer.pk]),
        {"body": "What about layer norm instead?"},
    )
    comment = Comment.objects.get(author=commenter.member)
    page(signed_in(), answer)  # the shared card again, now with the comment
    own = card(page(commenter, answer), answer)
    assert reverse("questions:comment-edit", args=[comment.pk]) in own
    other = card(page(signed_in(), answer), answer)
    assert "What about layer norm instead?" in other
    assert reverse("questions:comment-edit", args=[comment.pk]) not in other


def test_moderators_get_their_tools_and_never_fill_the_members_cache(answer):
    page(signed_in(), answer)
    moderator = signed_in(UserFactory(moderator=True))
    assert "Mark canonical" in card(page(moderator, answer), answer)
    assert "Mark canonical" not in card(page(signed_in(), answer), answer)


@pytest.mark.parametrize(
    "write",
    ["comment", "edit", "vote", "canonical", "rename"],
)
def test_writes_show_on_the_cached_card_at_once(answer, write):
    reader = signed_in()
    page(reader, answer)
    if write == "comment":
        signed_in().post(
            reverse("questions:answer-comment", args=[answer.pk]),
            {"body": "Marker: what about layer norm?"},
        )
        marker = "Marker: what about layer norm?"
    elif write == "edit":
        signed_in(answer.author).post(
            reverse("questions:answer-edit", args=[answer.pk]),
            {"body": "Marker: edited to talk about the loss landscape."},
        )
        marker = "Marker: edited"
    elif write == "vote":
        signed_in().post(
            reverse("questions:answer-vote", args=[answer.pk]), {"value": "-1"}
        )
        marker = "Score: </span>-1<"
    elif write == "canonical":
        signed_in(UserFactory(moderator=True)).post(
            reverse("moderation:canonical", args=[answer.pk]), {"canonical": "1"}
        )
        marker = "Canonical answer"
    else:
        signed_in(answer.author).post(
            reverse("accounts:settings"), {"display_name": "Ada Renamed", "bio": ""}
        )
        marker = "Ada Renamed"
    assert marker in card(page(reader, answer), answer)


def test_a_form_on_a_shared_card_carries_the_readers_own_csrf_token(answer):
    page(signed_in(), answer)  # cached with a placeholder for the token
    reader = signed_in(enforce_csrf_checks=True)
    html = card(page(reader, answer), answer)
    assert CSRF_PLACEHOLDER not in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = reader.post(
        reverse("questions:answer-comment", args=[answer.pk]),
        {"body": "Posted from a cached card.", "csrfmiddlewaretoken": token},
    )
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    assert Comment.objects.filter(body="Posted from a cached card.").exists()


# The question's own text, sources and comment thread


def question_part(html):
    match = re.search(r'<article class="question".*?</article>', html, re.S)
    assert match, "no question article"
    return match.group(0)


def test_the_question_body_is_shared_between_members_and_follows_comments(answer):
    question = answer.question
    page(signed_in(), answer)
    Question.objects.filter(pk=question.pk).update(body_html=CHANGED_BEHIND)
    assert CHANGED_BEHIND not in question_part(page(signed_in(), answer))  # cached
    commenter = signed_in()
    commenter.post(
        reverse("questions:question-comment", args=[question.pk]),
        {"body": "Marker: which optimiser was used?"},
    )
    comment = Comment.objects.get(author=commenter.member)
    other = question_part(page(signed_in(), answer))
    assert "Marker: which optimiser was used?" in other
    assert reverse("questions:comment-edit", args=[comment.pk]) not in other
    own = question_part(page(commenter, answer))
    assert reverse("questions:comment-edit", args=[comment.pk]) in own


def test_the_question_body_is_not_shared_with_moderators(answer):
    page(signed_in(), answer)
    Question.objects.filter(pk=answer.question.pk).update(body_html=CHANGED_BEHIND)
    moderator = signed_in(UserFactory(moderator=True))
    assert CHANGED_BEHIND in question_part(page(moderator, answer))  # rendered for them


def test_a_vote_renders_only_its_own_card_again(answer):
    other = AnswerFactory(question=answer.question, body="A second, separate answer.")
    reader = signed_in()
    page(reader, answer)  # both cards cached
    Answer.objects.filter(pk=other.pk).update(body_html=CHANGED_BEHIND)
    signed_in().post(reverse("questions:answer-vote", args=[answer.pk]), {"value": "1"})
    html = page(reader, answer)
    assert "Score: </span>1<" in card(html, answer)  # the voted card follows at once
    assert CHANGED_BEHIND not in card(
        html, other
    )  # the other card still comes from the cache
    signed_in().post(
        reverse("questions:answer-comment", args=[other.pk]),
        {"body": "Marker: a comment on the second answer."},
    )
    html = page(reader, other)
    assert "Marker: a comment on the second answer." in card(html, other)
    assert CHANGED_BEHIND in card(html, other)  # rendered again, from the rows
