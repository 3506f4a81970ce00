"""Every main page, as a visitor, a member and a moderator see it, is valid HTML (the Nu HTML
Checker, in one run over all of them) and tells search engines what it is (a description and a
canonical address). Plus the markup rules behind the checker's findings, one test each."""

import re
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from caching import forget_everything
from questions.markdown import math_as_text, math_spans
from questions.templatetags.presentation import (
    description_text,
    iso_datetime,
    markdown_html,
)
from tests.factories import AnswerFactory, QuestionFactory, SourceFactory
from tests.html_checker import html_errors
from tests.site_pages import TEX_TITLE, World, rendered_pages

pytestmark = pytest.mark.django_db

DEFAULT_DESCRIPTION = "MLQA: practise machine-learning interview questions"
PLAIN_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker):
    """The pages, rendered once for this module's checks (building them is most of the time),
    in a transaction rolled back afterwards; with the settings tests/conftest.py gives a test."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC}},
        ),
    ):
        forget_everything()
        with transaction.atomic():
            rendered = rendered_pages(World())
            transaction.set_rollback(True)
        forget_everything()
    return rendered


class Head(HTMLParser):
    """The <meta name=description> and <link rel=canonical> of a page, and every attribute."""

    def __init__(self, html):
        super().__init__()
        self.descriptions, self.canonicals, self.attributes = [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.attributes.extend((tag, name, value) for name, value in attrs.items())
        if tag == "meta" and attrs.get("name") == "description":
            self.descriptions.append(attrs.get("content") or "")
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonicals.append(attrs.get("href") or "")


def test_every_main_page_is_valid_html(pages):
    errors = html_errors(pages)
    assert not errors, f"{len(errors)} errors in {len(pages)} pages:\n" + "\n".join(
        errors
    )


def test_every_page_has_one_description_and_an_absolute_canonical_address(pages):
    for name, html in pages.items():
        head = Head(html)
        assert len(head.descriptions) == 1, name
        assert 50 <= len(head.descriptions[0]) <= 160, (name, head.descriptions)
        assert len(head.canonicals) == 1, name
        assert re.fullmatch(
            r"http://testserver/[^?#\s]*(\?page=\d+)?", head.canonicals[0]
        ), (
            name,
            head.canonicals,
        )


def test_descriptions_say_what_each_page_shows(pages):
    def description(name):
        return Head(pages[name]).descriptions[0]

    assert description("visitor-question").startswith("How does backpropagation work?")
    assert "Deep learning" in description("visitor-question")
    # The TeX of a title is written out plainly where nothing typesets it.
    assert description("visitor-tex-question").startswith(
        "Given an integer n and an integer K, output"
    )
    assert "\\(" not in description("visitor-tex-question")
    assert "machine-learning interview questions" in description("visitor-list")
    assert description("visitor-list-search").startswith(
        "Machine-learning interview questions matching “backpropagation”"
    )
    assert description("visitor-topic").startswith("Deep learning: 4 machine-learning")
    assert description("visitor-topics").startswith("The ")
    assert description("visitor-profile").startswith("learner on MLQA: reputation")
    for name in ("visitor-sign-in", "member-settings", "moderator-queue"):
        assert description(name).startswith(DEFAULT_DESCRIPTION), name


def test_the_canonical_address_drops_filters_and_keeps_a_plain_page_number(client):
    question = QuestionFactory()
    QuestionFactory.create_batch(26, topic=question.topic)
    lists = reverse("questions:list")
    for url, canonical in [
        (
            f"{lists}?topic={question.topic.slug}&sort=votes",
            "http://testserver/questions/",
        ),
        (f"{lists}?page=2", "http://testserver/questions/?page=2"),
        (f"{lists}?page=2&sort=votes", "http://testserver/questions/"),
        (
            f"{question.get_absolute_url()}?answers=newest",
            f"http://testserver{question.get_absolute_url()}",
        ),
    ]:
        assert Head(client.get(url).content.decode()).canonicals == [canonical], url


def test_the_canonical_address_uses_site_url_when_set(client, settings):
    settings.SITE_URL = "https://mlqa.example"
    html = client.get(reverse("questions:list") + "?page=1").content.decode()
    assert Head(html).canonicals == ["https://mlqa.example/questions/"]


def test_members_get_the_description_and_address_of_each_page(client, user):
    """A member's layout is cached once for all pages: the page's own head comes with its parts."""
    question = QuestionFactory(title="What is dropout?")
    client.force_login(user)
    for _ in range(2):  # rendered, then from the cache
        home = Head(client.get(reverse("home")).content.decode())
        page = Head(client.get(question.get_absolute_url()).content.decode())
        assert home.descriptions[0].startswith(DEFAULT_DESCRIPTION)
        assert home.canonicals == ["http://testserver/"]
        assert page.descriptions[0].startswith("What is dropout?")
        assert page.canonicals == [f"http://testserver{question.get_absolute_url()}"]


def test_no_page_has_a_bare_htmx_attribute(pages):
    """htmx reads data-hx-*, which HTML allows; hx-* is not an HTML attribute."""
    for name, html in pages.items():
        bare = {attr for _, attr, _ in Head(html).attributes if attr.startswith("hx-")}
        assert not bare, (name, bare)
    assert 'data-hx-post="' in pages["member-question"]
    assert "data-hx-headers=" in pages["member-question"]


def test_times_are_iso_8601_to_the_second(pages):
    found = 0
    for name, html in pages.items():
        for tag, attr, value in Head(html).attributes:
            if tag == "time" and attr == "datetime":
                found += 1
                assert re.fullmatch(
                    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", value
                ), (name, value)
    assert found > 10


def test_iso_datetime_drops_microseconds():
    from datetime import UTC, datetime

    moment = datetime(2026, 12, 3, 14, 5, 6, 789123, tzinfo=UTC)
    assert iso_datetime(moment) == "2026-12-03T14:05:06+00:00"
    assert iso_datetime(None) == ""


def test_no_form_sits_inside_a_paragraph_or_a_span(pages):
    class Nesting(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open, self.bad = [], []

        def handle_starttag(self, tag, attrs):
            if tag == "form" and {"p", "span"} & set(self.open):
                self.bad.append(dict(attrs).get("action"))
            if tag not in {"br", "img", "input", "meta", "link", "hr", "wbr", "source"}:
                self.open.append(tag)

        def handle_endtag(self, tag):
            if tag in self.open:
                while self.open.pop() != tag:
                    pass

    for name in ("member-question", "moderator-question"):
        checker = Nesting()
        checker.feed(pages[name])
        assert checker.bad == [], name
    assert 'id="follow-form"' in pages["member-question"]


def test_a_title_with_tex_is_typeset_on_pages_and_written_out_in_the_title(pages):
    typeset = "<math><mrow><mi>n</mi></mrow></math>"  # MathML, no script needed
    for name in ("visitor-tex-question", "visitor-list", "visitor-home"):
        assert typeset in pages[name], name
    # Shortened, it is written out (a cut could fall inside a formula).
    assert ">Given an integer n and an integer K, output" in pages["moderator-queue"]
    title = re.search(r"<title>(.*?)</title>", pages["visitor-tex-question"]).group(1)
    assert title.startswith("Given an integer n and an integer K, output a list")
    assert "\\" not in title


def test_math_in_plain_text():
    assert math_as_text(TEX_TITLE).startswith("Given an integer n and an integer K,")
    assert (
        math_as_text("\\(T \\leq 30 \\Rightarrow T^{2} \\leq 900\\)")
        == "T ≤ 30 ⇒ T^2 ≤ 900"
    )
    assert math_as_text("\\(\\frac{a}{b}\\) and $$ \\alpha $$") == "a/b and α"
    assert math_as_text("costs $5 or $10") == "costs $5 or $10"
    assert (
        math_spans("Is \\(a<b\\) & <i>?")
        == "Is <math><mrow><mi>a</mi><mo>&lt;</mo><mi>b</mi></mrow></math> &amp; &lt;i&gt;?"
    )


def test_descriptions_are_plain_short_and_escaped():
    text = description_text("<p>Why &amp; how?</p>  \n " + "word " * 60)
    assert text.startswith("Why &amp; how? word")
    assert len(text) <= 170 and text.endswith("…")
    assert "<" not in text


def test_wide_code_blocks_and_tables_in_posts_take_the_keyboard_focus(pages):
    shown = markdown_html("<pre><code>x</code></pre><table><tr><td>1</td></tr></table>")
    assert shown == (
        '<pre tabindex="0"><code>x</code></pre>'
        '<div class="scroll-x" tabindex="0"><table><tr><td>1</td></tr></table></div>'
    )
    html = pages["member-question"]
    assert html.count('<pre tabindex="0">') >= 2
    assert '<div class="scroll-x" tabindex="0"><table>' in html
    assert '<pre tabindex="0">' in pages["member-practice-revealed"]
    assert '<pre tabindex="0">' in pages["member-answer-preview"]
    # The queue's posts scroll inside a fixed height: each is a named, focusable region.
    regions = re.findall(
        r'class="prose queue-post" tabindex="0" role="region" aria-label="([^"]+)"',
        pages["moderator-queue"],
    )
    assert len(regions) >= 2 and len(set(regions)) == len(regions)


def test_comment_threads_have_names_of_their_own(pages):
    names = re.findall(
        r'<section class="comments" [^>]*aria-label="([^"]+)"', pages["member-question"]
    )
    assert "Comments on the question" in names
    assert "Comments on teacher’s answer" in names
    assert any(
        name.startswith("Comments on the reference answer from") for name in names
    )
    assert len(set(names)) == len(names)


def test_lists_and_the_question_page_count_the_same_answers(client):
    """Community answers on both; reference answers are counted apart, and labelled."""
    question = QuestionFactory(title="What is dropout?")
    AnswerFactory(
        question=question, author=None, source=SourceFactory(), body="Ref one."
    )
    AnswerFactory(
        question=question, author=None, source=SourceFactory(), body="Ref two."
    )
    AnswerFactory(question=question, body="A member's answer about dropout.")
    listed = client.get(reverse("questions:list")).content.decode()
    assert re.search(r"<strong>1</strong> answer</span>", listed)
    page = client.get(question.get_absolute_url()).content.decode()
    assert '<h2 id="answers-heading">1 answer</h2>' in page
    assert "2 reference answers from the source collections" in page


def test_a_list_row_labels_its_score_as_the_best_answers(client):
    question = QuestionFactory()
    AnswerFactory(question=question, score=4)
    from questions.services.counters import question_top_score_refresh

    question_top_score_refresh()
    listed = client.get(reverse("questions:list")).content.decode()
    assert "<strong>4</strong> top answer score</span>" in listed
    assert " votes</span>" not in listed
    assert '<option value="votes">Top answer score</option>' in listed


def test_the_filter_form_is_folded_unless_menus_narrow_the_list(client):
    QuestionFactory()
    lists = reverse("questions:list")
    folded = '<details class="filter-panel">'
    unfolded = '<details class="filter-panel" open>'
    assert folded in client.get(lists).content.decode()
    assert folded in client.get(f"{lists}?q=dropout&sort=votes").content.decode()
    html = client.get(f"{lists}?difficulty=medium").content.decode()
    assert unfolded in html and "(1 filter on)" in html
    assert unfolded in client.get(f"{lists}?difficulty=nope").content.decode()


def test_a_rejected_answer_is_explained_at_the_top_of_the_form_and_focused(user_client):
    question = QuestionFactory()
    response = user_client.post(
        reverse("questions:answer-create", args=[question.pk]), {"body": "Too short."}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    summary = html.index('id="answer-errors"')
    assert (
        html.index('<section class="answer-form card"')
        < summary
        < html.index('<textarea name="body" id="id_body"')
    )
    assert re.search(
        r'<div class="[^"]*error-summary"[^>]*tabindex="-1" autofocus>', html
    )
    assert "Your answer was not posted" in html and "Too short." in html
