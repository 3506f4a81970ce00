"""Property tests: arbitrary input in every form field and query parameter never causes a 500.

Hypothesis drives each form and each list or search parameter with arbitrary text (control
characters and NUL bytes included), numbers of every shape (10**100, floats, ``1e309``, Unicode
digits such as ``²`` and ``٣``) and 100,000-character strings. Lone surrogates are left out: the
test client must encode the request as UTF-8, and so must a browser. Every response must be below
500; the test client re-raises an exception from a view, so a crash fails with its traceback.

The fixtures are created once per test function and shared by its examples, so the data grows a
little from one example to the next; rate limits are reset for each example.
"""

from http import HTTPStatus
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from practice.models import Mode
from practice.services import session_start
from questions.services.answers import answer_create
from questions.services.comments import comment_create
from tests.factories import (
    AnswerFactory,
    QuestionFactory,
    SourceFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HTMX = {"HX-Request": "true"}

# --- what a visitor can send --------------------------------------------------------------

characters = st.characters(
    exclude_categories=("Cs",)
)  # lone surrogates can't be encoded
controls = st.text(
    st.characters(max_codepoint=0x1F)
    | st.sampled_from(
        "\x7f\x85\xa0\u2028\u2029\u200b\u202e\ufeff\ufffe\uffff\U0010ffff"
    ),
    max_size=40,
)
huge = st.builds(
    lambda unit, size: (unit * (size // len(unit) + 1))[:size],
    st.text(characters, min_size=1, max_size=8),
    st.sampled_from([5_000, 30_001, 100_000]),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**100), max_value=10**100),
    st.just(10**100),
    st.floats(),
).map(str)
tricky = st.sampled_from(
    [
        "", " ", "0", "-1", "1e309", "-0", "0x10", "1_000", " 1 ", "1.5", "NaN", "inf",
        "²", "٣", "１", "9" * 30, "\x00", "1\x00", "answer:1", "answer:²", "answer:" + "9" * 30,
        "comment:-1", "question:٣", "a" * 81, "../../etc/passwd", "%00", "%", "&", "=",
        "<script>alert(1)</script>", "' OR 1=1 --", "\\", "\r\n", "other", "spam", "medium",
    ]
)  # fmt: skip
# Characters that str.isdigit() accepts but int() may not (superscripts), or reads (Arabic-Indic).
unicode_digits = st.builds(
    lambda number, digits: str(number).translate(str.maketrans("0123456789", digits)),
    st.integers(min_value=0, max_value=10**30),
    st.sampled_from(["⁰¹²³⁴⁵⁶⁷⁸⁹", "٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９"]),
)
values = st.one_of(
    st.text(characters, max_size=300), controls, numbers, unicode_digits, tricky, huge
)
short_values = st.one_of(
    st.text(characters, max_size=60), controls, numbers, unicode_digits, tricky
)
MODERATION_ACTIONS = ["approve", "reject", "hide", "flags_helpful", "flags_declined"]
post_kinds = st.sampled_from(["answer", "comment", "question"])
FILTER_PARAMS = ["q", "topic", "difficulty", "kind", "status", "source", "sort", "page"]


def params(names, strategy=values):
    """A query or form with any subset of `names`, each with an arbitrary value."""
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, strategy))


def assert_no_server_error(response):
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, response.status_code


# --- the people and posts the requests are about --------------------------------------------


class World:
    def __init__(self, clients):
        self.member = UserFactory(trusted=True, username="prop-member")
        self.other = UserFactory(trusted=True, username="prop-other")
        self.moderator = UserFactory(moderator=True, username="prop-moderator")
        self.topic = TopicFactory(slug="prop-topic")
        self.question = QuestionFactory(topic=self.topic)
        AnswerFactory(
            question=self.question,
            author=None,
            source=SourceFactory(slug="prop-source"),
            body="A reference answer, so that practice can show the question.",
        )
        self.answer = answer_create(
            question=self.question,
            author=self.member,
            body="An answer of the member, long enough to be accepted.",
        )
        self.other_answer = answer_create(
            question=self.question,
            author=self.other,
            body="An answer of another member, long enough to be accepted.",
        )
        self.comment = comment_create(
            author=self.member, body="A comment.", answer=self.other_answer
        )
        self.member_client, self.moderator_client, self.anonymous_client = clients
        for client in clients:
            client.cookies.clear()
        self.member_client.force_login(self.member)
        self.moderator_client.force_login(self.moderator)


@pytest.fixture(scope="module")
def clients():
    # Reused by every test: each new Client costs WhiteNoise a scan of every static file.
    return Client(), Client(), Client()


@pytest.fixture
def world(db, clients):
    return World(clients)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def get(client, url, data):
    cache.clear()
    response = client.get(url, data)
    assert_no_server_error(response)
    return response


def post(client, url, data, htmx=False):
    cache.clear()  # rate limits: every example is a fresh visitor's attempt
    response = client.post(url, data, headers=HTMX if htmx else {})
    assert_no_server_error(response)
    return response


# --- lists, search and filters --------------------------------------------------------------


@SETTINGS
@given(query=params(FILTER_PARAMS))
def test_question_list_parameters(world, query):
    get(world.anonymous_client, "/questions/", query)


@SETTINGS
@given(query=params(FILTER_PARAMS))
def test_topic_page_parameters(world, query):
    get(world.member_client, world.topic.get_absolute_url(), query)


@SETTINGS
@given(query=params(["answers", "q", "page"]))
def test_question_page_and_header_search_parameters(world, query):
    get(world.member_client, world.question.get_absolute_url(), query)
    get(world.anonymous_client, "/", query)


@SETTINGS
@given(query=params(["page"]))
def test_notifications_and_profile_page_numbers(world, query):
    get(world.member_client, "/notifications/", query)
    get(world.anonymous_client, world.other.get_absolute_url(), query)


@SETTINGS
@given(query=params(["topic", "rating", "page"]))
def test_practice_history_parameters(world, query):
    get(world.member_client, "/practice/history/", query)
    response = get(world.member_client, "/practice/history.csv", query)
    b"".join(response.streaming_content)  # the CSV is produced while streaming


@SETTINGS
@given(query=params(["action", "target_type", "actor", "reason", "page"]))
def test_moderation_log_filters(world, query):
    get(world.moderator_client, "/moderation/log/", query)


# --- answers, comments, votes ---------------------------------------------------------------


@SETTINGS
@given(form=params(["body", "preview"]))
def test_answer_create(world, form):
    post(world.member_client, f"/questions/{world.question.pk}/answer/", form)


@SETTINGS
@given(form=params(["body", "preview"]), htmx=st.booleans())
def test_answer_edit_and_preview(world, form, htmx):
    post(world.member_client, f"/questions/answers/{world.answer.pk}/edit/", form)
    post(world.member_client, "/questions/answers/preview/", form, htmx=htmx)


@SETTINGS
@given(form=params(["body"]), htmx=st.booleans())
def test_comment_create(world, form, htmx):
    client = world.member_client
    post(client, f"/questions/answers/{world.other_answer.pk}/comments/", form, htmx)
    post(client, f"/questions/{world.question.pk}/comments/", form, htmx)


@SETTINGS
@given(form=params(["body"]))
def test_comment_edit(world, form):
    post(world.member_client, f"/questions/comments/{world.comment.pk}/edit/", form)


@SETTINGS
@given(form=params(["value"], short_values), htmx=st.booleans())
def test_vote_value(world, form, htmx):
    url = f"/questions/answers/{world.other_answer.pk}/vote/"
    post(world.member_client, url, form, htmx=htmx)


# --- proposals, settings, flags -------------------------------------------------------------


@SETTINGS
@given(query=params(["title", "body", "not_duplicate"]))
def test_similar_questions_while_proposing(world, query):
    # The list shown as a title is typed (htmx GET), and the topics index and the download.
    get(world.member_client, "/questions/similar/", query)
    get(world.anonymous_client, "/questions/topics/", query)


@SETTINGS
@given(
    form=params(["title", "body", "topic", "difficulty", "not_duplicate"]),
    use_topic=st.booleans(),
)
def test_question_proposal_and_moderator_edit(world, form, use_topic):
    if use_topic:
        form = {**form, "topic": str(world.topic.pk)}
    post(world.member_client, "/questions/propose/", form)
    post(world.moderator_client, f"/questions/{world.question.pk}/edit/", form)


@SETTINGS
@given(form=params(["display_name", "bio"]))
def test_settings_form(world, form):
    post(world.member_client, "/settings/", form)


@SETTINGS
@given(form=params(["confirm_username"], short_values))
def test_account_delete_confirmation(world, form):
    response = post(world.member_client, "/settings/delete/", form)
    assert response.status_code == HTTPStatus.BAD_REQUEST  # never the right username


@SETTINGS
@given(
    form=params(["reason", "note"]),
    kind=st.one_of(st.sampled_from(["answer", "comment"]), short_values),
)
def test_flag_form(world, form, kind):
    client = world.moderator_client  # a member other than the authors
    post(client, f"/moderation/flag/answer/{world.other_answer.pk}/", form)
    post(client, f"/moderation/flag/comment/{world.comment.pk}/", form)
    path_kind = quote(kind, safe="") or "answer"
    post(client, f"/moderation/flag/{path_kind}/{world.other_answer.pk}/", form)


# --- moderation actions ---------------------------------------------------------------------


@SETTINGS
@given(
    form=params(["reason"]),
    action=st.one_of(st.sampled_from(MODERATION_ACTIONS), short_values),
    posts=st.lists(
        short_values | st.builds("{}:{}".format, post_kinds, short_values),
        max_size=4,
    ),
    real=st.booleans(),
)
def test_moderation_actions(world, form, action, posts, real):
    if real:
        posts = [*posts, f"answer:{world.other_answer.pk}"]
    data = {**form, "action": action, "posts": posts}
    post(world.moderator_client, "/moderation/act/", data)


@SETTINGS
@given(form=params(["days", "reason"]))
def test_member_suspension(world, form):
    client = world.moderator_client
    post(client, f"/moderation/members/{world.other.username}/suspend/", form)
    post(client, f"/moderation/members/{world.other.username}/unsuspend/", {})


@SETTINGS
@given(form=params(["number", "canonical"], short_values))
def test_rollback_and_canonical(world, form):
    client = world.moderator_client
    post(client, f"/moderation/answers/{world.other_answer.pk}/rollback/", form)
    post(client, f"/moderation/answers/{world.other_answer.pk}/canonical/", form)


# --- practice -------------------------------------------------------------------------------


@SETTINGS
@given(
    form=params(["mode", "difficulty", "size", "minutes"], short_values),
    topics=st.lists(short_values, max_size=3),
)
def test_practice_start(world, form, topics):
    post(world.member_client, "/practice/start/", {**form, "topics": topics})


@SETTINGS
@given(form=params(["desired_retention", "session_size"], short_values))
def test_practice_settings(world, form):
    post(world.member_client, "/practice/settings/", form)


@SETTINGS
@given(form=params(["attempt", "thought", "rating"]), htmx=st.booleans())
def test_practice_card_forms(world, form, htmx):
    question = QuestionFactory(topic=world.topic)  # a new card for every example
    AnswerFactory(question=question, author=None, source=SourceFactory(), body="Ref.")
    session = session_start(user=world.member, mode=Mode.NEW, size=1)
    item = session.items.get()
    base = f"/practice/sessions/{session.pk}/cards/{item.pk}"
    post(world.member_client, f"{base}/grade/", form, htmx=htmx)  # before the reveal
    post(world.member_client, f"{base}/reveal/", form, htmx=htmx)
    post(world.member_client, f"{base}/grade/", form, htmx=htmx)
