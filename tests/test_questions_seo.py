"""What search engines read, through the real views: the sitemap index and its sections (paged,
lastmod, only public pages, the configured address), robots.txt, and the question page's JSON-LD
QAPage checked against the properties Google's Q&A rich results require."""

import json
import re
import xml.etree.ElementTree as ET
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from questions import sitemaps
from questions.models import Source, Status
from tests.factories import AnswerFactory, QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITE = "https://mlqa.example.org"


def xml(response):
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def locations(root, tag="url"):
    return [e.findtext(f"{NS}loc") for e in root.findall(f"{NS}{tag}")]


def test_sitemap_index_pages_the_questions_and_lists_only_public_pages(
    client, monkeypatch, settings
):
    settings.SITE_URL = SITE
    monkeypatch.setattr(sitemaps.QuestionSitemap, "limit", 2)
    topic = TopicFactory()
    public = [QuestionFactory(topic=topic) for _ in range(5)]
    hidden = QuestionFactory(status=Status.PENDING)
    index = xml(client.get("/sitemap.xml"))
    sections = locations(index, "sitemap")
    question_map = SITE + reverse("sitemap-section", args=["questions"])
    assert sections == [
        SITE + reverse("sitemap-section", args=["pages"]),
        SITE + reverse("sitemap-section", args=["topics"]),
        question_map,
        question_map + "?p=2",
        question_map + "?p=3",
    ]
    latest = max(q.last_activity_at for q in public)
    lastmods = [e.findtext(f"{NS}lastmod") for e in index.findall(f"{NS}sitemap")]
    assert lastmods[2] == latest.isoformat()
    found = []
    for page in (1, 2, 3):
        root = xml(
            client.get(reverse("sitemap-section", args=["questions"]), {"p": page})
        )
        found += locations(root)
        assert all(e.findtext(f"{NS}lastmod") for e in root.findall(f"{NS}url"))
    assert found == [SITE + q.get_absolute_url() for q in public]
    assert SITE + hidden.get_absolute_url() not in found
    assert (
        client.get(reverse("sitemap-section", args=["questions"]), {"p": 4}).status_code
        == 404
    )
    assert (
        client.get(
            reverse("sitemap-section", args=["questions"]), {"p": "x"}
        ).status_code
        == 404
    )
    topics = locations(xml(client.get(reverse("sitemap-section", args=["topics"]))))
    assert SITE + topic.get_absolute_url() in topics
    pages = locations(xml(client.get(reverse("sitemap-section", args=["pages"]))))
    assert pages == [SITE + "/", SITE + "/questions/"]
    assert client.get(reverse("sitemap-section", args=["nothing"])).status_code == 404


def test_sitemap_without_site_url_uses_the_request_address(client):
    question = QuestionFactory()
    root = xml(client.get(reverse("sitemap-section", args=["questions"])))
    assert locations(root) == ["http://testserver" + question.get_absolute_url()]


def test_a_new_question_is_in_the_cached_sitemap_at_once():
    visitor = Client()
    url = reverse("sitemap-section", args=["questions"])
    visitor.get(url)
    assert visitor.get(url)["X-Page-Cache"] == "hit"
    question = QuestionFactory()
    assert "http://testserver" + question.get_absolute_url() in locations(
        xml(visitor.get(url))
    )


def test_robots_txt_closes_private_areas_and_names_the_sitemap(client, settings):
    settings.SITE_URL = SITE
    response = client.get("/robots.txt")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for area in ("/practice/", "/moderation/", "/accounts/", "/settings/", "/admin/"):
        assert f"Disallow: {area}" in lines
    assert "Disallow: /questions/" not in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines


# --- JSON-LD -------------------------------------------------------------------------------------

# Google's Q&A page structured data: required (and the recommended ones we promise) properties.
QUESTION_REQUIRED = {"name", "answerCount"}
QUESTION_RECOMMENDED = {"text", "dateCreated", "author"}
ANSWER_REQUIRED = {"text"}
ANSWER_RECOMMENDED = {"author", "dateCreated", "upvoteCount", "url"}
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def qa_pages(html):
    return [json.loads(block) for block in LD_JSON.findall(html)]


def assert_valid_answer(answer):
    assert answer["@type"] == "Answer"
    assert answer.keys() >= ANSWER_REQUIRED | ANSWER_RECOMMENDED
    assert answer["text"].strip()
    assert answer["author"]["@type"] in {"Person", "Organization"}
    assert answer["author"]["name"]
    assert answer["url"].startswith("http")
    assert isinstance(answer["upvoteCount"], int)


def assert_valid_qa_page(data):
    """A QAPage Google accepts: one Question as main entity, with at least one answer."""
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "QAPage"
    question = data["mainEntity"]
    assert question["@type"] == "Question"
    assert question.keys() >= QUESTION_REQUIRED | QUESTION_RECOMMENDED
    assert isinstance(question["answerCount"], int)
    assert "acceptedAnswer" in question or "suggestedAnswer" in question
    if "acceptedAnswer" in question:
        assert_valid_answer(question["acceptedAnswer"])
    for answer in question.get("suggestedAnswer", []):
        assert_valid_answer(answer)
    return question


def test_question_page_has_a_valid_qa_page(client, settings):
    settings.SITE_URL = SITE
    author = UserFactory(display_name="Quinn")
    question = QuestionFactory(author=author, body="Asked with **details**.")
    canonical = AnswerFactory(
        question=question,
        is_canonical=True,
        score=1,
        body="The canonical answer, written out in full.",
    )
    best = AnswerFactory(
        question=question, score=7, body="A community answer with many votes here."
    )
    other = AnswerFactory(
        question=question, score=2, body="A community answer with fewer votes here."
    )
    source = Source.objects.create(
        slug="book", filename="book.md", title="A Book", url="https://example.org/book"
    )
    reference = AnswerFactory(
        question=question,
        author=None,
        source=source,
        score=0,
        body="The book's own reference answer here.",
    )
    AnswerFactory(
        question=question,
        status=Status.PENDING,
        body="Awaiting review: not announced to search engines.",
    )
    [data] = qa_pages(client.get(question.get_absolute_url()).content.decode())
    entity = assert_valid_qa_page(data)
    assert entity["name"] == question.prompt
    assert entity["text"] == "Asked with details."
    assert entity["answerCount"] == 4
    assert entity["author"] == {
        "@type": "Person",
        "name": "Quinn",
        "url": SITE + author.get_absolute_url(),
    }
    assert entity["url"] == SITE + question.get_absolute_url()
    assert entity["acceptedAnswer"]["text"] == canonical.body
    assert (
        entity["acceptedAnswer"]["url"]
        == f"{SITE}{question.get_absolute_url()}#answer-{canonical.pk}"
    )
    assert [a["text"] for a in entity["suggestedAnswer"]] == [
        best.body,
        other.body,
        reference.body,
    ]
    assert entity["suggestedAnswer"][2]["author"] == {
        "@type": "Organization",
        "name": "A Book",
        "url": "https://example.org/book",
    }
    # A member's page says the same (and not their own answer awaiting review).
    member = Client()
    member.force_login(UserFactory())
    assert qa_pages(member.get(question.get_absolute_url()).content.decode()) == [data]


def test_imported_question_without_author_names_the_site(client):
    question = QuestionFactory(author=None)
    AnswerFactory(question=question)
    [data] = qa_pages(client.get(question.get_absolute_url()).content.decode())
    entity = assert_valid_qa_page(data)
    assert entity["author"]["@type"] == "Organization"
    assert entity["text"] == question.prompt  # no body: the question itself


def test_no_qa_page_without_a_published_answer_or_on_a_proposal(client):
    question = QuestionFactory()
    assert qa_pages(client.get(question.get_absolute_url()).content.decode()) == []
    proposal_author = UserFactory()
    proposal = QuestionFactory(status=Status.PENDING, author=proposal_author)
    AnswerFactory(question=proposal)
    author_client = Client()
    author_client.force_login(proposal_author)
    assert (
        qa_pages(author_client.get(proposal.get_absolute_url()).content.decode()) == []
    )


def test_json_ld_cannot_be_closed_by_what_members_write(client):
    payload = "</script><script>alert(1)</script><!-- & "
    question = QuestionFactory(title=f"What is {payload} in attention?")
    AnswerFactory(
        question=question, body=f"An answer that mentions `{payload}` in code."
    )
    html = client.get(question.get_absolute_url()).content.decode()
    [block] = LD_JSON.findall(html)
    assert "<" not in block and ">" not in block
    data = json.loads(block)
    assert payload in data["mainEntity"]["name"]
    assert_valid_qa_page(data)


def test_the_answers_text_is_what_strip_tags_makes_of_it():
    """The JSON-LD's text of an answer (a regular expression, for speed) is what Django's
    strip_tags makes of the rendered Markdown: the demo answers (code, math, tables), the XSS
    corpus and markup that isn't the renderer's."""
    from django.utils.html import strip_tags

    from devtools.demo_data.text import ANSWER_TEMPLATES
    from questions.markdown import render_markdown
    from questions.structured_data import _text
    from tests.xss_payloads import CORPUS

    bodies = [render_markdown(body) for body in ANSWER_TEMPLATES]
    bodies += [render_markdown(payload) for _, payload in CORPUS]
    bodies += [
        '<p title="a>b">x</p>',
        "<p>a <!-- <b> --> b</p>",
        "<p>3 < 4</p><",
        "<<b>>x",
    ]
    assert any("<math" in body for body in bodies)
    for body in bodies:
        assert _text(body) == strip_tags(body).strip(), body
