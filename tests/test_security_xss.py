"""Stored and reflected XSS: every payload of tests/xss_payloads.py through every place a user writes text.

Each payload goes through the real views with the test client, as a signed-in, verified, trusted
member (and a moderator for the review queue), and the HTML that comes back is parsed with
``html.parser``. Each page is rendered once per place (one question page holds every answer, one
queue holds every flag note), in a module-scoped transaction that is rolled back at the end; the
parametrized tests then only inspect the parsed HTML of their payload.

What a page may contain, wherever the payload landed:

- no ``<script>`` other than the page's own ``<script src="/static/...">``; no ``<iframe>``,
  ``<object>``, ``<embed>``, ``<base>``, ``<frame>``, ``<style>``; ``<meta>`` and ``<link>`` only in
  ``<head>``, and no ``<meta http-equiv>``;
- no attribute starting with ``on``, no ``style`` or ``srcdoc`` attribute;
- no ``href``/``src``/``action``/``formaction``/``xlink:href``/... whose value, entity-decoded,
  with control characters removed, surrounding spaces stripped and lower-cased, starts with
  ``javascript:``, ``vbscript:`` or ``data:`` (``data:`` images included). A space *inside* the
  scheme is kept, as browsers do: ``java    script:`` (Markdown expands a tab so) is a relative URL;
- no ``target=_blank`` link without ``rel=noopener``.

Inside user content (the ``.prose`` of answers and questions, comment bodies, the bio, names,
titles, flag notes, snippets, diffs, textareas) only the tags and attributes of the Markdown
allow-list (questions/markdown.py) may appear: so no ``<form>``, ``<meta>``, ``<svg>``,
``<input>``..., no ``hx-*``, ``id`` or ``class`` borrowed from the site. Outside it, a payload that
broke out of an attribute would add elements or attributes: the "active" skeleton of the page
(forms, inputs, scripts, ``hx-*``, ``action``... attributes) must equal the one of the same page
with harmless text.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from math import ceil

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from pygments.token import STANDARD_TYPES

from moderation.models import FLAGS_PER_DAY, Flag
from questions.mathml import MATHML_ATTRIBUTES, MATHML_TAGS
from questions.models import Answer, Comment, Question
from questions.services.answers import answer_create
from questions.services.comments import comment_create
from tests.factories import QuestionFactory, TopicFactory, UserFactory
from tests.xss_payloads import CORPUS

pytestmark = pytest.mark.django_db  # also makes pytest-django create the test database

BENIGN = "A harmless answer about gradient descent and learning rates."
ANSWER_PAD = "\n\nThis paragraph pads the answer to the minimum length."
PLACES = [
    "answer",
    "answer-edit",
    "answer-comment",
    "question-comment",
    "comment-edit",
    "answer-preview",
    "proposal",
    "bio",
    "display-name",
    "flag-note",
    "search-and-filters",
    "moderation-log-filters",
    "practice-history-filters",
]
FILTER_PARAMS = ["q", "topic", "difficulty", "kind", "status", "source", "sort", "page"]

# --- what may appear where ------------------------------------------------------------------

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "poster", "background", "data",
    "codebase", "cite", "longdesc", "lowsrc", "dynsrc", "ping", "manifest", "icon", "to",
    "from", "values", "srcset", "content",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
NEVER_TAGS = {
    "iframe", "object", "embed", "base", "frame", "frameset", "applet", "portal", "isindex",
    "style",
}  # fmt: skip
HEAD_ONLY_TAGS = {"meta", "link"}
# Tags and attributes that user content may have: the Markdown allow-list, plus <mark> (search
# snippets) and <br> (comments, bios).
USER_TAGS = {
    "p", "br", "hr", "blockquote", "pre", "code", "span", "div", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "a", "img", "em", "strong", "del", "sup", "sub", "table", "thead",
    "tbody", "tr", "th", "td", "mark",
    *MATHML_TAGS,  # formulas as MathML, written by the server from the TeX (questions/mathml.py)
}  # fmt: skip
# nh3 keeps `lang` and `title` on every tag (ammonia's generic attributes): plain text, harmless.
GENERIC_USER_ATTRIBUTES = {"lang", "title"}
USER_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "span": {"class"},
    "div": {"class", "tabindex"},
    "code": {"class"},
    # Added when the page is rendered (presentation.markdown_html): scrollable blocks take focus.
    "pre": {"tabindex"},
    **MATHML_ATTRIBUTES,
}
# Math and code (Pygments' short token classes), and the diff lines of an answer's history.
USER_CLASSES = {
    "arithmatex",
    "highlight",
    "scroll-x",  # a table's scrolling box, added when the page is rendered
    "math-display",  # a display formula's box (questions/mathml.py)
    *filter(None, STANDARD_TYPES.values()),
    *(f"diff-{kind}" for kind in ("add", "del", "hunk", "same")),
}
# Where user-written text is printed: everything inside these elements is user content.
USER_CONTAINER_CLASSES = {
    "prose",
    "comment-body",
    "bio",
    "snippet",
    "flag-list",
    "user-link",
    "diff",
}
USER_CONTAINER_TAGS = {"h1", "title", "textarea", "cite"}
# What a payload breaking out of an attribute or a text node would add outside user content.
ACTIVE_TAGS = {
    "form", "input", "button", "textarea", "select", "script", "link", "meta", "base", "iframe",
    "object", "embed", "frame", "frameset", "svg", "math", "style", "template", "img", "video",
    "audio", "source", "area", "portal", "details",
}  # fmt: skip
ACTIVE_ATTRIBUTES = {
    "action", "formaction", "method", "src", "srcdoc", "autofocus", "target", "ping",
    "http-equiv", "style", "open",
}  # fmt: skip
VOID_TAGS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "isindex", "frame", "keygen",
}  # fmt: skip
# As browsers read a URL (the WHATWG URL standard): leading and trailing spaces and control
# characters are ignored, tabs and newlines are removed anywhere. Other control characters are
# removed too, to be safe. A space inside the scheme is kept: "java script:" is a relative URL.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


@dataclass(eq=False)
class Node:
    tag: str
    attrs: list = field(default_factory=list)
    parent: "Node | None" = None
    children: list = field(default_factory=list)
    text: str = ""

    def __post_init__(self):
        # Browsers keep the first of repeated attributes.
        self.attrmap = dict(reversed(self.attrs))
        self.classes = set((self.attrmap.get("class") or "").split())
        self.container = (
            self.tag in USER_CONTAINER_TAGS
            or bool(self.classes & USER_CONTAINER_CLASSES)
            or (self.tag == "ul" and "errorlist" in self.classes)
        )
        parent = self.parent
        # Inside user-written text (below a container), and inside <head>.
        self.user = parent is not None and (parent.user or parent.container)
        self.in_head = parent is not None and (parent.in_head or parent.tag == "head")

    def attr(self, name):
        return self.attrmap.get(name)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def describe(self):
        attrs = " ".join(f"{k}={v!r}" if v is not None else k for k, v in self.attrs)
        return f"<{self.tag}{' ' + attrs if attrs else ''}>"


class TreeBuilder(HTMLParser):
    """A forgiving tree on top of html.parser: an end tag closes up to its open element, if any."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]
        self.ids = {}

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, parent=self.stack[-1])
        self.stack[-1].children.append(node)
        if node.attr("id"):
            self.ids.setdefault(node.attr("id"), node)
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        self.stack[-1].text += data


def parse(html):
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder


def _bad_url(name, value):
    """Whether attribute `name` holds a javascript:, vbscript: or data: URL."""
    if value is None:
        return False
    value = _CONTROL_RE.sub("", value).lower()
    if name == "content":  # <meta http-equiv="refresh" content="0; url=...">
        return any(f"url={scheme}" in value.replace(" ", "") for scheme in BAD_SCHEMES)
    candidates = value.split(",") if name == "srcset" else [value]
    return any(url.strip(" ").startswith(BAD_SCHEMES) for url in candidates)


def _json_ld_block(node, user, in_head):
    """The question page's JSON-LD (questions/structured_data.py): data, not a script, in the
    page's own <head>, whole JSON whose text holds no markup that could end the block."""
    if node.attr("type") != "application/ld+json" or user or not in_head:
        return False
    if node.attr("src") is not None or any(c in node.text for c in "<>&"):
        return False
    try:
        json.loads(node.text)
    except ValueError:
        return False
    return True


def violations(root):
    """Everything executable or out of place in the subtree at `root` (a list of descriptions)."""
    found = []
    for node in root.walk():
        if node.tag == "#document":
            continue
        user = node.user
        where = "user content" if user else "page"
        in_head = node.in_head
        if (
            node.tag == "script"
            and not _json_ld_block(node, user, in_head)
            and (
                user
                or not (node.attr("src") or "").startswith("/static/")
                or node.text.strip()
            )
        ):
            found.append(f"script in {where}: {node.describe()} {node.text[:60]!r}")
        if node.tag in NEVER_TAGS:
            found.append(f"<{node.tag}> in {where}: {node.describe()}")
        if node.tag in HEAD_ONLY_TAGS and (not in_head or user):
            found.append(f"<{node.tag}> outside <head>: {node.describe()}")
        if node.tag == "meta" and node.attr("http-equiv") is not None:
            found.append(f"meta http-equiv: {node.describe()}")
        for name, value in node.attrs:
            if name.startswith("on"):
                found.append(f"event handler {name} in {where}: {node.describe()}")
            if name in {"style", "srcdoc"}:
                found.append(f"{name} attribute in {where}: {node.describe()}")
            # A named <meta>'s content is text (the page's description may quote a search);
            # http-equiv, the one that redirects, is refused above whatever its content.
            plain_text = name == "content" and node.tag == "meta" and node.attr("name")
            if name in URL_ATTRIBUTES and not plain_text and _bad_url(name, value):
                found.append(
                    f"{name} with a dangerous URL in {where}: {node.describe()}"
                )
        rel = set((node.attr("rel") or "").lower().split())
        if (node.attr("target") or "").lower() == "_blank" and not rel & {
            "noopener",
            "noreferrer",
        }:
            found.append(f"target=_blank without rel=noopener: {node.describe()}")
        if user:
            found.extend(_user_content_violations(node))
    return found


def _user_content_violations(node):
    found = []
    if node.tag not in USER_TAGS:
        found.append(f"<{node.tag}> in user content: {node.describe()}")
    allowed = USER_ATTRIBUTES.get(node.tag, set()) | GENERIC_USER_ATTRIBUTES
    for name, value in node.attrs:
        if name.startswith(("hx-", "data-hx-")):
            found.append(f"htmx attribute {name} in user content: {node.describe()}")
        elif name not in allowed:
            found.append(f"attribute {name} in user content: {node.describe()}")
        elif name == "class" and not set((value or "").split()) <= USER_CLASSES:
            found.append(f"site class in user content: {node.describe()}")
    src = node.attr("src")
    if (
        node.tag == "img"
        and src is not None
        and not src.lower().startswith(("https://", "http://"))
    ):
        # A relative URL would make the reader's browser send a same-origin GET request.
        found.append(f"image without an absolute http(s) URL: {node.describe()}")
    return found


def skeleton(root, *, skip=()):
    """The active elements outside user content (and outside the `skip` subtrees), by tag and attributes."""
    counts = Counter()
    pending = [root]
    while pending:
        node = pending.pop()
        if node in skip:
            continue
        if not node.container:
            pending.extend(node.children)
        names = sorted(
            name
            for name, _ in node.attrs
            if name in ACTIVE_ATTRIBUTES
            or name.startswith(("hx-", "data-hx-", "on", "xlink:"))
        )
        if node.tag in ACTIVE_TAGS or names:
            counts[(node.tag, tuple(names))] += 1
    return counts


# --- storing every payload through every place, once ---------------------------------------


@dataclass
class Scope:
    label: str
    root: Node | None
    expected: Counter | None = None


@dataclass
class Result:
    outcome: str  # "stored", "rejected", "rendered" or "error: ..."
    must_store: bool = False
    scopes: list = field(default_factory=list)
    note: str = ""


def _call(client, method, url, data=None, **extra):
    try:
        return getattr(client, method)(url, data or {}, **extra), ""
    except Exception as error:
        # A 500: reported by the payload's test instead of ending the whole run.
        return None, f"{type(error).__name__}: {error}"


def _outcome(response, error, ok=HTTPStatus.FOUND):
    if response is None:
        return f"error: {error}"
    if response.status_code == ok:
        return "stored" if ok == HTTPStatus.FOUND else "rendered"
    if response.status_code == HTTPStatus.BAD_REQUEST:
        return "rejected"
    return f"error: HTTP {response.status_code}"


def _page(client, url, data=None):
    response, error = _call(client, "get", url, data)
    if response is None or response.status_code != HTTPStatus.OK:
        return None, error or f"HTTP {response.status_code} for {url}"
    return parse(response.content.decode()), ""


class Builder:
    """Posts the corpus through each place and collects the parsed pages."""

    def __init__(self, items):
        self.items = items  # [(id, payload)], the first one harmless
        self.results = {place: {} for place in PLACES}
        self.shared_pages = {}  # label -> (page root, outside-items skeleton, expected skeleton)
        self.topic = TopicFactory(slug="xss-topic", name="XSS topic")
        self.writer = UserFactory(trusted=True, username="xss-writer")
        self.other = UserFactory(trusted=True, username="xss-other")
        self.profiler = UserFactory(trusted=True, username="xss-profile")
        self.moderator = UserFactory(moderator=True, username="xss-moderator")
        # One client, signed in as whoever acts next: each new Client costs WhiteNoise a scan
        # of every static file.
        self._client, self._signed_in = Client(), None

    def client(self, user):
        if self._signed_in != user.pk:
            self._client.cookies.clear()
            self._client.force_login(user)
            self._signed_in = user.pk
        return self._client

    def question(self, title):
        return QuestionFactory(title=title, topic=self.topic)

    def post(self, user, url, data, **extra):
        cache.clear()  # rate limits: one member posts hundreds of times here
        return _call(self.client(user), "post", url, data, **extra)

    def rejected_page(self, response, user, url, benign_rejected, label="page"):
        """A refused payload: the re-shown form, compared with a refused harmless input's."""
        root = parse(response.content.decode()).root
        again, _ = self.post(user, url, benign_rejected)
        expected = skeleton(parse(again.content.decode()).root) if again else None
        return Scope(label, root, expected)

    def shared(
        self,
        place,
        label,
        user,
        url_for,
        data_for,
        find,
        page_url,
        benign_rejected,
        precreated=(),
    ):
        """Post every payload to `url_for(i)`, then render `page_url` once.

        Each stored post's scope is its element on that page (id `find(i)`); a refused one's is
        the re-shown form. Returns the ids of the stored posts' elements.
        """
        keys = {}
        for index, (item_id, payload) in enumerate(self.items):
            url = url_for(index)
            response, error = self.post(user, url, data_for(index, payload))
            outcome = _outcome(response, error)
            result = Result(outcome, must_store="\x00" not in payload)
            if outcome == "stored":
                keys[item_id] = find(index)
            elif outcome == "rejected":
                result.scopes.append(
                    self.rejected_page(response, user, url, benign_rejected(index))
                )
            self.results[place][item_id] = result
            if index == 0:
                first_page, error = _page(self.client(user), page_url)
                assert first_page, error
        page, error = _page(self.client(user), page_url)
        assert page, error
        benign_key = keys.get(self.items[0][0])
        assert benign_key, f"{place}: the harmless input was not stored"
        expected = skeleton(page.ids[benign_key])
        for item_id, key in keys.items():
            self.results[place][item_id].scopes.append(
                Scope(label, page.ids.get(key), expected)
            )
        first_keys = {first_page.ids.get(k) for k in [benign_key, *precreated]}
        self.shared_pages[f"{place}: {label}"] = (
            page.root,
            skeleton(
                page.root, skip={page.ids.get(k) for k in [*keys.values(), *precreated]}
            ),
            skeleton(first_page.root, skip=first_keys),
        )
        return keys

    def answers(self):
        question = self.question("Which hostile answers can this page survive?")
        url = f"/questions/{question.pk}/answer/"
        self.shared(
            "answer",
            "answer on the question page",
            self.writer,
            lambda i: url,
            lambda i, p: {"body": p + ANSWER_PAD},
            lambda i: (
                f"answer-{Answer.objects.filter(author=self.writer).latest('pk').pk}"
            ),
            question.get_absolute_url(),
            lambda i: {"body": "too short"},
        )

    def answer_edits(self):
        question = self.question("Which hostile edits can this page survive?")
        answers = [
            answer_create(question=question, author=self.writer, body=BENIGN)
            for _ in self.items
        ]
        keys = self.shared(
            "answer-edit",
            "edited answer on the question page",
            self.writer,
            lambda i: f"/questions/answers/{answers[i].pk}/edit/",
            lambda i, p: {"body": p + ANSWER_PAD},
            lambda i: f"answer-{answers[i].pk}",
            question.get_absolute_url(),
            lambda i: {"body": "too short"},
            precreated=[f"answer-{a.pk}" for a in answers],
        )
        benign_history = None
        for index, (item_id, _payload) in enumerate(self.items):
            if item_id not in keys:
                continue
            page, error = _page(
                self.client(self.writer),
                f"/questions/answers/{answers[index].pk}/history/",
            )
            if page is None:
                self.results["answer-edit"][item_id].outcome = f"error: {error}"
                continue
            if benign_history is None:
                benign_history = skeleton(page.root)
            self.results["answer-edit"][item_id].scopes.append(
                Scope("answer history page", page.root, benign_history)
            )

    def comments(self):
        question = self.question("Which hostile comments can this page survive?")
        answer = answer_create(question=question, author=self.other, body=BENIGN)

        def latest_comment(i):
            return (
                f"comment-{Comment.objects.filter(author=self.writer).latest('pk').pk}"
            )

        def comment_body(i, payload):
            return {
                "body": payload if len(payload.strip()) >= 5 else payload + " (pad)"
            }

        self.shared(
            "answer-comment",
            "comment on an answer",
            self.writer,
            lambda i: f"/questions/answers/{answer.pk}/comments/",
            comment_body,
            latest_comment,
            question.get_absolute_url(),
            lambda i: {"body": "x"},
        )
        other_question = self.question("Which hostile question comments are fine?")
        self.shared(
            "question-comment",
            "comment on the question",
            self.writer,
            lambda i: f"/questions/{other_question.pk}/comments/",
            comment_body,
            latest_comment,
            other_question.get_absolute_url(),
            lambda i: {"body": "x"},
        )
        edit_question = self.question("Which hostile comment edits are fine?")
        edit_answer = answer_create(
            question=edit_question, author=self.other, body=BENIGN
        )
        comments = [
            comment_create(
                author=self.writer, body="A harmless comment.", answer=edit_answer
            )
            for _ in self.items
        ]
        self.shared(
            "comment-edit",
            "edited comment",
            self.writer,
            lambda i: f"/questions/comments/{comments[i].pk}/edit/",
            comment_body,
            lambda i: f"comment-{comments[i].pk}",
            edit_question.get_absolute_url(),
            lambda i: {"body": "x"},
            precreated=[f"comment-{c.pk}" for c in comments],
        )

    def flags(self):
        question = self.question("Which hostile flag notes can the queue survive?")
        answers = [
            answer_create(question=question, author=self.other, body=BENIGN)
            for _ in self.items
        ]
        flaggers = [
            UserFactory(trusted=True, username=f"xss-flagger-{n}")
            for n in range(ceil(len(self.items) / FLAGS_PER_DAY))
        ]
        for index, (item_id, payload) in enumerate(self.items):
            flagger = flaggers[index // FLAGS_PER_DAY]
            url = f"/moderation/flag/answer/{answers[index].pk}/"
            response, error = self.post(
                flagger, url, {"reason": Flag.Reason.OTHER, "note": payload}
            )
            outcome = _outcome(response, error)
            result = Result(outcome, must_store="\x00" not in payload)
            if outcome == "stored":
                flag = Flag.objects.filter(user=flagger).latest("pk")
                result.note = f"answer-{flag.answer_id}"
            elif outcome == "rejected":
                result.scopes.append(
                    self.rejected_page(
                        response, flagger, url, {"reason": "other", "note": "x" * 301}
                    )
                )
            self.results["flag-note"][item_id] = result

    def proposals(self):
        """One proposal per payload, in its title and in its details."""
        url = "/questions/propose/"
        benign = None
        for index, (item_id, payload) in enumerate(self.items):
            data = {
                "title": f"Proposal {index}: {payload}",
                "body": payload,
                "topic": self.topic.pk,
                "difficulty": "medium",
                # Proposing despite similar questions takes this tick (the list of similar
                # questions, which shows the typed title again, is a page of its own: see
                # test_questions_related.py).
                "not_duplicate": "on",
            }
            response, error = self.post(self.writer, url, data)
            result = Result(_outcome(response, error), must_store="\x00" not in payload)
            self.results["proposal"][item_id] = result
            if result.outcome == "rejected":
                rejected = {**data, "title": "short", "body": BENIGN}
                result.scopes.append(
                    self.rejected_page(response, self.writer, url, rejected)
                )
            if result.outcome != "stored":
                continue
            question = Question.objects.filter(author=self.writer).latest("pk")
            result.note = f"question-{question.pk}"
            page, error = _page(self.client(self.writer), question.get_absolute_url())
            if page is None:
                result.outcome = f"error: {error}"
                continue
            if benign is None:
                benign = skeleton(page.root)
            result.scopes.append(Scope("proposal page", page.root, benign))

    def queue(self):
        """The moderation queue: every proposal and every flag note on one page."""
        page, error = _page(self.client(self.moderator), "/moderation/")
        assert page, error
        keys = []
        for place in ["proposal", "flag-note"]:

            def key_of(item_id, place=place):
                return self.results[place][item_id].note

            benign_key = key_of(self.items[0][0])
            expected = skeleton(page.ids[benign_key])
            for item_id, _payload in self.items:
                if self.results[place][item_id].outcome == "stored":
                    key = key_of(item_id)
                    keys.append(key)
                    self.results[place][item_id].scopes.append(
                        Scope("moderation queue", page.ids.get(key), expected)
                    )
        self.shared_pages["moderation queue"] = (
            page.root,
            skeleton(page.root, skip={page.ids.get(k) for k in keys}),
            None,
        )

    def profile(self):
        """The bio, then the display name, of one member: saved, then their pages rendered."""
        question = self.question("Where does a display name appear on a page?")
        answer = answer_create(question=question, author=self.profiler, body=BENIGN)
        comment_create(author=self.profiler, body="A harmless comment.", answer=answer)
        profile_url = self.profiler.get_absolute_url()
        for place, data_for, benign_rejected in [
            ("bio", lambda p: {"display_name": "", "bio": p}, {"bio": "x" * 501}),
            (
                "display-name",
                lambda p: {"display_name": p[:50], "bio": ""},
                {"display_name": "x" * 51},
            ),
        ]:
            pages = [("profile page", profile_url)]
            if place == "display-name":
                pages.append(("question page", question.get_absolute_url()))
            expected = {}
            for item_id, payload in self.items:
                response, error = self.post(
                    self.profiler, "/settings/", data_for(payload)
                )
                result = Result(_outcome(response, error))
                self.results[place][item_id] = result
                if result.outcome == "rejected":
                    result.scopes.append(
                        self.rejected_page(
                            response, self.profiler, "/settings/", benign_rejected
                        )
                    )
                if result.outcome != "stored":
                    continue
                for label, url in pages:
                    page, error = _page(self.client(self.profiler), url)
                    if page is None:
                        result.outcome = f"error: {error}"
                        break
                    expected.setdefault(label, skeleton(page.root))
                    result.scopes.append(Scope(label, page.root, expected[label]))

    def reflected(self, place, user, url, params, ok=HTTPStatus.OK, method="get"):
        """The payload in every one of `params`: the whole response is checked."""
        expected = None
        for item_id, payload in self.items:
            data = dict.fromkeys(params, payload)
            if method == "post":
                response, error = self.post(user, url, data, HTTP_HX_REQUEST="true")
            else:
                response, error = _call(self.client(user), "get", url, data)
            result = Result(_outcome(response, error, ok=ok))
            self.results[place][item_id] = result
            if result.outcome != "rendered":
                continue
            root = parse(response.content.decode()).root
            if expected is None:
                expected = skeleton(root)
            result.scopes.append(Scope("page", root, expected))

    def searches(self):
        """Values echoed back: search and filters, the audit log's filters, the live preview."""
        searcher = UserFactory(trusted=True, username="xss-searcher")
        self.reflected("search-and-filters", searcher, "/questions/", FILTER_PARAMS)
        self.reflected(
            "moderation-log-filters",
            self.moderator,
            "/moderation/log/",
            ["action", "target_type", "actor", "reason", "page"],
        )
        self.reflected(
            "practice-history-filters",
            self.writer,
            "/practice/history/",
            ["topic", "rating", "page"],
        )
        self.reflected(
            "answer-preview",
            self.writer,
            "/questions/answers/preview/",
            ["body"],
            method="post",
        )


ITEMS = [("benign", BENIGN), *CORPUS]


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker):
    """Every payload stored through every place; all of it rolled back after the module."""
    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    with (
        django_db_blocker.unblock(),
        override_settings(
            STORAGES=plain_static,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        # Never the development database: pytest-django only creates the test one for db tests.
        name = str(connection.settings_dict["NAME"])
        assert "memorydb" in name or name.rsplit("/", 1)[-1].startswith("test_"), name
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            cache.clear()
            builder = Builder(ITEMS)
            builder.answers()
            builder.answer_edits()
            builder.comments()
            builder.flags()
            builder.proposals()
            builder.queue()
            builder.profile()
            builder.searches()  # last: search results then include the stored payloads
            # PostgreSQL: check the deferred foreign keys now, at the outer level. Checked inside a
            # test's savepoint, they would be checked again after every test (minutes in all).
            connection.check_constraints()
            yield builder
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            cache.clear()


@pytest.mark.parametrize("item_id", [item_id for item_id, _ in ITEMS])
@pytest.mark.parametrize("place", PLACES)
def test_payload_is_inert(rendered, place, item_id):
    result = rendered.results[place][item_id]
    assert not result.outcome.startswith("error"), f"{place}: {result.outcome}"
    if result.must_store:
        assert result.outcome == "stored", (
            f"{place}: the form refused a storable payload"
        )
    assert result.scopes, f"{place}: nothing was rendered ({result.outcome})"
    problems = []
    for scope in result.scopes:
        if scope.root is None:
            problems.append(f"{scope.label}: the post is missing from the page")
            continue
        problems += [f"{scope.label}: {v}" for v in violations(scope.root)]
        if scope.expected is not None:
            actual = skeleton(scope.root)
            if actual != scope.expected:
                extra = actual - scope.expected
                missing = scope.expected - actual
                problems.append(
                    f"{scope.label}: active elements differ from harmless text's: "
                    f"added {dict(extra)}, missing {dict(missing)}"
                )
    assert not problems, "\n".join(problems)


def test_shared_pages_have_nothing_outside_the_posts(rendered):
    """A payload that escaped its post would show up on the page around the posts."""
    problems = []
    for label, (root, outside, expected) in rendered.shared_pages.items():
        problems += [f"{label}: {v}" for v in violations(root)]
        if expected is not None and outside != expected:
            problems.append(
                f"{label}: the page around the posts changed: {outside - expected} {expected - outside}"
            )
    assert not problems, "\n".join(problems)


def test_corpus_is_big_and_fits_every_field():
    assert len(CORPUS) >= 100
    assert len({payload for _, payload in CORPUS}) == len(CORPUS)
    assert all(len(payload) <= 300 for _, payload in CORPUS)  # a flag note's limit


# --- the checker itself must see what it is looking for -------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        '<div class="prose"><script>alert(1)</script></div>',
        '<div class="prose"><img src="https://x.example/a.png" onerror="alert(1)"></div>',
        '<div class="prose"><a href="&#106;ava&#x09;script:alert(1)">x</a></div>',
        '<div class="prose"><a href=" JaVaScRiPt:alert(1)">x</a></div>',
        '<div class="prose"><img src="data:image/png;base64,AAAA"></div>',
        '<div class="prose"><p style="color:red">x</p></div>',
        '<div class="prose"><form action="/x"></form></div>',
        '<div class="prose"><div hx-get="/moderation/">x</div></div>',
        '<div class="prose"><span class="button">x</span></div>',
        '<div class="prose"><svg></svg></div>',
        '<p><iframe srcdoc="x"></iframe></p>',
        '<body><meta http-equiv="refresh" content="0;url=javascript:alert(1)"></body>',
        '<base href="https://evil.example/">',
        '<a href="https://evil.example/" target="_blank">x</a>',
        '<script src="https://evil.example/x.js"></script>',
        "<h1>x</textarea><script>alert(1)</script></h1>",
    ],
)
def test_checker_sees_executable_content(html):
    assert violations(parse(html).root)


def test_checker_accepts_the_allowed_markup():
    html = (
        '<head><meta charset="utf-8"><link rel="stylesheet" href="/static/site.css"></head>'
        '<body hx-headers="{}"><form action="/q/" method="post"><textarea name="body">'
        "&lt;script&gt;</textarea></form>"
        '<div class="prose"><p><a href="https://example.com/" rel="nofollow ugc noopener">x</a>'
        '<img src="https://example.com/a.png" alt="a"><span class="arithmatex">\\(x\\)</span>'
        '<div class="highlight"><pre><span class="k">def</span></pre></div></p>'
        # A space inside the scheme makes a relative URL (what Markdown makes of a tab).
        '<p><a href="java    script:alert(1)" rel="nofollow">x</a></p></div>'
        '<script src="/static/js/math.js" defer></script></body>'
    )
    assert violations(parse(html).root) == []
    assert skeleton(parse(html).root)[("form", ("action", "method"))] == 1
