"""RSS and Atom feeds through their real views: what they list, that their links use the site's
public address (SITE_URL), that visitors get them from the cache and that a new question or
answer is in them at once, and that pages link to them."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from caching.pages import HIT_HEADER
from questions.models import Status
from questions.services.answers import answer_create
from tests.factories import AnswerFactory, QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "https://mlqa.example.org"


def rss_items(response):
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    return channel, channel.findall("item")


def atom_entries(response):
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return feed, feed.findall(f"{ATOM}entry")


def test_newest_questions_feed_lists_published_questions_newest_first(client):
    older = QuestionFactory(title="What is a learning rate?")
    newer = QuestionFactory(title="What is weight decay?")
    QuestionFactory(title="A proposal awaiting review", status=Status.PENDING)
    channel, items = rss_items(client.get(reverse("questions:feed-rss")))
    assert [i.findtext("title") for i in items] == [newer.title, older.title]
    assert items[0].findtext("link") == "http://testserver" + newer.get_absolute_url()
    assert items[0].findtext("category") == newer.topic.name
    _, entries = atom_entries(client.get(reverse("questions:feed-atom")))
    assert [e.findtext(f"{ATOM}title") for e in entries] == [newer.title, older.title]


def test_feed_links_use_the_configured_site_url(client, settings):
    settings.SITE_URL = SITE
    question = QuestionFactory()
    channel, items = rss_items(client.get(reverse("questions:feed-rss")))
    assert channel.findtext("link") == SITE + "/questions/"
    assert items[0].findtext("link") == SITE + question.get_absolute_url()
    feed, _ = atom_entries(client.get(reverse("questions:feed-atom")))
    self_link = feed.find(f"{ATOM}link[@rel='self']").get("href")
    assert self_link == SITE + reverse("questions:feed-atom")


def test_topic_feed_lists_only_that_topic(client):
    topic, other = TopicFactory(), TopicFactory()
    mine = QuestionFactory(topic=topic)
    QuestionFactory(topic=other)
    channel, items = rss_items(
        client.get(reverse("questions:topic-feed-rss", args=[topic.slug]))
    )
    assert topic.name in channel.findtext("title")
    assert [i.findtext("title") for i in items] == [mine.title]
    _, entries = atom_entries(
        client.get(reverse("questions:topic-feed-atom", args=[topic.slug]))
    )
    assert len(entries) == 1
    assert client.get("/questions/topics/no-such-topic/feed.rss").status_code == 404


def test_answers_feed_shows_published_answers_only(client):
    question = QuestionFactory()
    shown = AnswerFactory(
        question=question,
        author=UserFactory(display_name="Ada"),
        body="Visible **bold** answer text here.",
    )
    AnswerFactory(
        question=question,
        status=Status.PENDING,
        body="Awaiting review, not in the feed.",
    )
    _, items = rss_items(
        client.get(reverse("questions:answers-feed-rss", args=[question.pk]))
    )
    assert [i.findtext("title") for i in items] == ["Answer by Ada"]
    assert "<strong>bold</strong>" in items[0].findtext("description")
    assert (
        items[0]
        .findtext("link")
        .endswith(f"{question.get_absolute_url()}#answer-{shown.pk}")
    )
    _, entries = atom_entries(
        client.get(reverse("questions:answers-feed-atom", args=[question.pk]))
    )
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text == "Ada"


def test_answers_feed_of_an_unpublished_question_is_not_found(client):
    proposal = QuestionFactory(status=Status.PENDING)
    url = reverse("questions:answers-feed-rss", args=[proposal.pk])
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND


def test_a_new_question_and_a_new_answer_are_in_cached_feeds_at_once():
    question = QuestionFactory()
    visitor = Client()
    newest = reverse("questions:feed-rss")
    answers = reverse("questions:answers-feed-rss", args=[question.pk])
    for url in (newest, answers):
        visitor.get(url)
        assert visitor.get(url)[HIT_HEADER] == "hit"
    added = QuestionFactory(title="What is label smoothing?")
    _, items = rss_items(visitor.get(newest))
    assert items[0].findtext("title") == added.title
    answer_create(
        question=question,
        author=UserFactory(trusted=True, display_name="Grace"),
        body="Label smoothing mixes the one-hot target with a uniform distribution.",
    )
    _, items = rss_items(visitor.get(answers))
    assert [i.findtext("title") for i in items] == ["Answer by Grace"]


def test_code_in_a_cached_feed_keeps_its_indentation():
    question = QuestionFactory()
    AnswerFactory(
        question=question,
        body="A loop:\n\n```python\nfor x in xs:\n    total += x\n```\n",
    )
    url = reverse("questions:answers-feed-rss", args=[question.pk])
    visitor = Client()
    visitor.get(url)
    cached = visitor.get(url)
    assert cached[HIT_HEADER] == "hit"
    _, items = rss_items(cached)
    assert "\n    " in items[0].findtext("description")


def test_a_cached_feed_keeps_its_last_modified_and_answers_if_modified_since():
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), tick=False):
        QuestionFactory(title="What is a learning rate?")
    visitor = Client()
    url = reverse("questions:feed-atom")
    first = visitor.get(url)
    assert first[HIT_HEADER] == "miss"
    last_modified = first["Last-Modified"]
    assert last_modified == "Mon, 02 Nov 2026 09:00:00 GMT"
    hit = visitor.get(url)
    assert hit[HIT_HEADER] == "hit" and hit["Last-Modified"] == last_modified
    # A feed reader that has this version is told so, from the cache, without the body.
    unchanged = visitor.get(url, headers={"If-Modified-Since": last_modified})
    assert unchanged.status_code == HTTPStatus.NOT_MODIFIED
    assert unchanged.content == b""
    older = "Sun, 01 Nov 2026 09:00:00 GMT"
    stale = visitor.get(url, headers={"If-Modified-Since": older})
    assert stale.status_code == HTTPStatus.OK and stale[HIT_HEADER] == "hit"
    etag = first["ETag"]
    assert etag.startswith('W/"') and hit["ETag"] == etag
    by_tag = visitor.get(url, headers={"If-None-Match": etag})
    assert by_tag.status_code == HTTPStatus.NOT_MODIFIED
    # A question added in the same second as the reader's copy: the date alone would say
    # "not modified"; the tag, which wins, says otherwise.
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), tick=False):
        same_second = QuestionFactory(title="What is dropout?")
    both = visitor.get(
        url, headers={"If-None-Match": etag, "If-Modified-Since": last_modified}
    )
    assert both.status_code == HTTPStatus.OK and both["ETag"] != etag
    same_second.delete()
    # A new question replaces the copy: the reader's date now gets the new feed.
    with time_machine.travel(datetime(2026, 11, 3, 9, 0, tzinfo=UTC), tick=False):
        QuestionFactory(title="What is weight decay?")
    fresh = visitor.get(url, headers={"If-Modified-Since": last_modified})
    assert fresh.status_code == HTTPStatus.OK
    assert fresh["Last-Modified"] == "Tue, 03 Nov 2026 09:00:00 GMT"
    _, entries = atom_entries(fresh)
    assert entries[0].findtext(f"{ATOM}title") == "What is weight decay?"


@pytest.mark.parametrize("page", ["home", "questions:list", "topic", "question"])
def test_pages_link_to_their_feeds(client, page):
    question = QuestionFactory()
    urls = {
        "home": (reverse("home"), reverse("questions:feed-rss")),
        "questions:list": (reverse("questions:list"), reverse("questions:feed-atom")),
        "topic": (
            question.topic.get_absolute_url(),
            reverse("questions:topic-feed-rss", args=[question.topic.slug]),
        ),
        "question": (
            question.get_absolute_url(),
            reverse("questions:answers-feed-atom", args=[question.pk]),
        ),
    }
    url, feed = urls[page]
    html = client.get(url).content.decode()
    assert 'rel="alternate"' in html and f'href="{feed}"' in html


def test_feed_queries_do_not_grow_with_the_entries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == HTTPStatus.OK
        return len(captured)

    few, many = QuestionFactory(), QuestionFactory()
    AnswerFactory(question=few)
    for _ in range(8):
        AnswerFactory(question=many)
    client.get(reverse("questions:feed-rss"))  # the sites framework reads its row once
    assert queries(reverse("questions:answers-feed-rss", args=[few.pk])) == queries(
        reverse("questions:answers-feed-rss", args=[many.pk])
    )
    small, large = TopicFactory(), TopicFactory()
    QuestionFactory(topic=small)
    for _ in range(8):
        QuestionFactory(topic=large)
    assert queries(reverse("questions:topic-feed-rss", args=[small.slug])) == queries(
        reverse("questions:topic-feed-rss", args=[large.slug])
    )
