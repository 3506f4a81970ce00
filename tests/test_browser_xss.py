"""The XSS corpus in a real browser: nothing in it may run.

Every payload of tests/xss_payloads.py is stored (through the same form validation and services as
the views use) as an answer and a comment on one question, in the bio and display name of
profiles, in the flag notes of the moderation queue, and sent as search and filter values. Each
page is loaded in Chromium, as a moderator, with:

- a canary: ``window.__xss = 0`` before any script of the page runs; payloads set it to 1;
- a dialog listener: payloads call ``alert(1)``, and any dialog fails the test;
- a request log: an htmx attribute that got through (``hx-get``... with ``hx-trigger=load``) would
  make the page request something besides its own static files;
- a look at the DOM once KaTeX has typeset the math (``trust: false`` must refuse ``\\href``,
  ``\\url``, ``\\includegraphics``, ``\\htmlClass``...): no event-handler attribute, no
  ``javascript:``/``vbscript:``/``data:`` URL, no frame, object, form or ``<base>`` in user content.

Requests to any other origin are aborted, so remote images fail fast (and fire ``onerror``).
Console errors about the Content-Security-Policy are expected (it blocks inline code) and ignored.
"""

import re
from urllib.parse import urlencode

import pytest

from accounts.forms import ProfileForm
from moderation.forms import FlagForm
from moderation.models import FLAGS_PER_DAY, Flag
from moderation.services import flag_create
from questions.forms import AnswerForm, CommentForm
from questions.services.answers import answer_create
from questions.services.comments import comment_create
from tests.browser import log_in
from tests.factories import QuestionFactory, TopicFactory, UserFactory
from tests.xss_payloads import CORPUS, PAYLOADS

# Attack payloads are not accessible content (empty links, images without alt...): what these
# pages hold is hostile on purpose, so they are spared the axe check of every loaded page.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.hostile_content,
    pytest.mark.django_db(transaction=True),
]

ANSWER_PAD = "\n\nThis paragraph pads the answer to the minimum length."
FILTER_PARAMS = ["q", "topic", "difficulty", "kind", "status", "source", "sort", "page"]

# Run in the page after it has settled: what executable content is in the live DOM? URLs are
# judged by the browser's own parser (what a click or a load would do). KaTeX's output may have
# inline styles (set through CSSOM), SVG and MathML.
DOM_CHECK = """() => {
  const bad = [];
  const where = (el) => {
    const post = el.closest("[id]");
    return `${post ? "#" + post.id : ""} ${el.outerHTML.slice(0, 160)}`;
  };
  const scheme = (value) => {
    try { return new URL(value, document.baseURI).protocol; } catch (e) { return ""; }
  };
  const dangerous = ["javascript:", "vbscript:", "data:"];
  const userContent = ".prose, .comment-body, .bio, .flag-list, .snippet, .user-link, h1";
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "data", "poster"];
  for (const el of document.querySelectorAll("*")) {
    const inUser = el.parentElement && el.parentElement.closest(userContent);
    const katex = el.closest(".katex, .katex-error");
    // The MathML the server writes from a formula's TeX (members cannot write MathML
    // themselves: questions/mathml.py); its attributes are checked like any other's.
    const mathml = el.closest("math");
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) bad.push(`${name}: ${where(el)}`);
      if (urlAttributes.includes(name) && dangerous.includes(scheme(attr.value))) {
        bad.push(`${name}: ${where(el)}`);
      }
      if (inUser && (name.startsWith("hx-") || name.startsWith("data-hx-"))) {
        bad.push(`${name}: ${where(el)}`);
      }
      if (inUser && name === "style" && !katex) bad.push(`style: ${where(el)}`);
    }
    const tag = el.tagName.toLowerCase();
    if (["iframe", "object", "embed", "frame", "base"].includes(tag)) bad.push(where(el));
    const active = ["form", "input", "button", "meta", "link", "script", "svg", "math", "style"];
    if (inUser && active.includes(tag) && !katex && !mathml) {
      bad.push(`in user content: ${where(el)}`);
    }
  }
  return bad;
}"""


class Watcher:
    """Dialogs, page errors, stray requests and CSP reports of one page, plus its canary."""

    def __init__(self, page, live_server):
        self.page = page
        self.origin = live_server.url
        self.dialogs, self.errors, self.requests, self.csp_reports = [], [], [], []
        page.add_init_script("window.__xss = 0")
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", self._request)
        page.on("console", self._console)
        # Nothing leaves the test server: remote images fail at once (and fire onerror).
        page.route(re.compile(rf"^(?!{re.escape(self.origin)})https?:"), self._abort)

    @staticmethod
    def _abort(route):
        route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _request(self, request):
        path = request.url.removeprefix(self.origin)
        if request.url.startswith(self.origin) and not path.startswith("/static/"):
            self.requests.append(f"{request.method} {path} ({request.resource_type})")

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.csp_reports.append(message.text)

    def visit(self, url):
        """Load `url`, let KaTeX and any handler run, then check that nothing ran."""
        self.requests.clear()
        self.page.goto(self.origin + url)
        self.page.wait_for_load_state("load")
        # KaTeX loads only on pages with a formula left as TeX (most arrive as MathML).
        if self.page.locator(".arithmatex").count():
            self.page.wait_for_function("() => window.katex !== undefined")
            self.page.wait_for_function(
                "() => document.querySelector('.katex') !== null"
            )
        self.page.wait_for_timeout(300)  # image errors, animations, autofocus
        problems = [f"dialog {d}" for d in self.dialogs]
        problems += [f"page error {e}" for e in self.errors]
        if self.page.evaluate("() => window.__xss") != 0:
            problems.append("the canary window.__xss was set")
        # The page itself is the first request; anything after it was asked for by the page.
        problems += [f"unexpected request {r}" for r in self.requests[1:]]
        if not self.page.url.startswith(self.origin + url.split("?")[0]):
            problems.append(f"the page went elsewhere: {self.page.url}")
        problems += [f"in the DOM: {b}" for b in self.page.evaluate(DOM_CHECK)]
        # CSP reports are expected (the policy blocks inline code): context for a failure only.
        reports = f"({len(self.csp_reports)} CSP violation reports so far)"
        assert not problems, f"{url} {reports}:\n" + "\n".join(problems)


@pytest.fixture
def watched(page, live_server):
    moderator = UserFactory(moderator=True, username="xss-moderator")
    log_in(page, live_server, moderator)
    return Watcher(page, live_server)


def _valid(form_class, data, field):
    form = form_class(data)
    return form.cleaned_data[field] if form.is_valid() else None


def test_answers_and_comments_with_every_payload(watched):
    question = QuestionFactory(title="Which hostile answers can a browser survive?")
    writer = UserFactory(trusted=True, username="xss-writer")
    other = UserFactory(trusted=True, username="xss-other")
    target = answer_create(
        question=question, author=other, body="A harmless answer to comment on."
    )
    stored = 0
    for _, payload in CORPUS:
        body = _valid(AnswerForm, {"body": payload + ANSWER_PAD}, "body")
        if body is not None:
            answer_create(question=question, author=writer, body=body)
            stored += 1
        text = payload if len(payload.strip()) >= 5 else payload + " (pad)"
        comment = _valid(CommentForm, {"body": text}, "body")
        if comment is not None:
            comment_create(author=writer, body=comment, answer=target)
            comment_create(author=writer, body=comment, question=question)
    assert stored >= len(CORPUS) - 2  # the form refuses a NUL byte
    watched.visit(question.get_absolute_url())
    assert watched.page.locator(".katex").count() > 0


def test_profiles_with_payload_bios_and_names(watched):
    for number, (category, payloads) in enumerate(PAYLOADS.items()):
        bio, name = "", ""
        for payload in payloads:
            if len(bio) + len(payload) < 500:
                bio = f"{bio}\n{payload}".strip()
        for payload in payloads:
            if _valid(ProfileForm, {"display_name": payload[:50]}, "display_name"):
                name = payload[:50]
                break
        member = UserFactory(trusted=True, username=f"xss-profile-{number}")
        form = ProfileForm({"display_name": name, "bio": bio}, instance=member)
        if not form.is_valid():  # a control character: keep the printable payloads
            bio = "\n".join(line for line in bio.split("\n") if line.isprintable())
            form = ProfileForm({"display_name": name, "bio": bio}, instance=member)
        assert form.is_valid(), (category, form.errors)
        form.save()
        watched.visit(member.get_absolute_url())


def test_search_and_filters_echo_every_payload(watched):
    TopicFactory(slug="xss-topic")
    payloads = [payload for _, payload in CORPUS]
    for start in range(0, len(payloads), len(FILTER_PARAMS)):
        chunk = payloads[start : start + len(FILTER_PARAMS)]
        query = urlencode(dict(zip(FILTER_PARAMS, chunk, strict=False)))
        watched.visit(f"/questions/?{query}")
        watched.visit(f"/questions/topics/xss-topic/?{query}")


def test_moderation_queue_with_payload_flag_notes(watched):
    question = QuestionFactory(title="Which hostile flag notes can a moderator read?")
    author = UserFactory(trusted=True, username="xss-author")
    flagged, flaggers = 0, {}
    for index, (_, payload) in enumerate(CORPUS):
        number = index // FLAGS_PER_DAY  # each member may flag so many posts a day
        if number not in flaggers:
            flaggers[number] = UserFactory(
                trusted=True, username=f"xss-flagger-{number}"
            )
        note = _valid(FlagForm, {"reason": Flag.Reason.OTHER, "note": payload}, "note")
        if note is None:
            continue
        answer = answer_create(
            question=question, author=author, body=f"A harmless answer number {index}."
        )
        flag_create(
            user=flaggers[number], post=answer, reason=Flag.Reason.OTHER, note=note
        )
        flagged += 1
    assert flagged >= len(CORPUS) - 2
    watched.visit("/moderation/")


def test_the_watcher_sees_a_payload_that_runs(watched):
    """The detectors themselves: a page without our CSP, whose payloads do run, must fail."""
    html = (
        "<!DOCTYPE html><title>self-test</title>"
        '<script src="/static/vendor/katex/katex.min.js"></script>'
        "<p class='prose'><img src='https://evil.example/x.png' onerror='window.__xss=1'>"
        "<a href='javascript:alert(1)'>x</a></p><script>alert(1)</script>"
    )
    watched.page.route(
        f"{watched.origin}/xss-self-test/",
        lambda route: route.fulfill(status=200, content_type="text/html", body=html),
    )
    with pytest.raises(AssertionError) as failure:
        watched.visit("/xss-self-test/")
    message = str(failure.value)
    assert "dialog alert: 1" in message
    assert "canary" in message
    assert "onerror" in message
    assert "href" in message
