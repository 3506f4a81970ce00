"""Performance invariants that can be tested: SQL queries per read page, index use, denormalised
sort keys and the search candidate cap. Speed itself is measured by bench/run, not here.
"""

import json
from http import HTTPStatus

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from caching.tokens import replace_tokens
from moderation.services import flag_create
from practice.caching import practice_token
from practice.selectors import next_pick
from practice.services import session_start
from questions.models import Question
from questions.search import search_index_update
from questions.services.answers import answer_create, answer_delete
from questions.services.comments import comment_create
from questions.services.votes import vote_cast
from tests.factories import AnswerFactory, QuestionFactory, TopicFactory, UserFactory
from tests.practice_factories import grade, make_bank

pytestmark = pytest.mark.django_db

# Stack Overflow served a question page with about 7.6 queries (2016); every read page stays at 7.
READ_PAGE_QUERIES = 7


@pytest.fixture
def site(db):
    """A small bank with answers, comments, votes, a flag and a practised member."""
    topic = TopicFactory(slug="deep-learning", name="Deep learning")
    questions = make_bank()
    for question in questions:
        Question.objects.filter(pk=question.pk).update(topic=topic)
    for n in range(6):
        QuestionFactory(topic=topic, title=f"How does gradient descent step {n} work?")
    question = questions[0]
    author = UserFactory(trusted=True)
    answer = answer_create(
        question=question, author=author, body="Gradient descent with momentum."
    )
    voters = [UserFactory(trusted=True) for _ in range(3)]
    for voter in voters:
        vote_cast(user=voter, answer=answer, value=1)
        comment_create(author=voter, body="A comment on gradients.", answer=answer)
    flag_create(user=voters[0], post=answer, reason="spam", note="")
    member = voters[1]
    for other in questions[1:]:
        grade(member, other, 3, other.created_at)
    search_index_update()
    practice_session = session_start(user=member, mode="due", size=5)
    return {
        "question": question,
        "topic": topic,
        "member": member,
        "session": practice_session,
    }


def read_pages(site):
    question, topic = site["question"], site["topic"]
    questions = reverse("questions:list")
    return {
        "home": reverse("home"),
        "list": questions,
        "list filtered": f"{questions}?topic={topic.slug}&difficulty=medium&status=answered",
        "list sorted by votes": f"{questions}?sort=votes",
        "list sorted by answers": f"{questions}?sort=answers",
        "topic": reverse("questions:topic", args=[topic.slug]),
        "question": question.get_absolute_url(),
        "search": f"{questions}?q=gradient+descent",
        "profile": reverse("accounts:profile", args=[site["member"].username]),
    }


SIGNED_IN_PAGES = {
    "practice home": lambda site: reverse("practice:home"),
    "practice card": lambda site: site["session"].get_absolute_url(),
    "practice progress": lambda site: reverse("practice:progress"),
    "practice history": lambda site: reverse("practice:history"),
    "notifications": lambda site: reverse("notifications"),
}


def _queries(client, url):
    client.get(url)  # warms the caches, as nearly every request finds them
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    return captured


@pytest.mark.usefixtures("production_caches")
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "member"])
def test_every_read_page_runs_at_most_seven_queries(site, signed_in, settings):
    settings.PAGE_CACHE_SECONDS = (
        0  # rendered every time: the cached page would cost none
    )
    client = Client()
    if signed_in:
        client.force_login(site["member"])
    pages = dict(read_pages(site))
    if signed_in:
        pages.update({name: url(site) for name, url in SIGNED_IN_PAGES.items()})
    counts = {name: len(_queries(client, url)) for name, url in pages.items()}
    assert max(counts.values()) <= READ_PAGE_QUERIES, counts


def test_the_moderation_queue_runs_a_fixed_number_of_queries(site, production_caches):
    client = Client()
    client.force_login(UserFactory(moderator=True))
    assert len(_queries(client, reverse("moderation:queue"))) <= READ_PAGE_QUERIES + 2


# Tables that grow with the community: a plan must reach their rows through an index.
BIG_TABLES = {
    "questions_question",
    "questions_answer",
    "questions_comment",
    "questions_vote",
    "questions_notification",
    "questions_questionfollow",
    "questions_relatedquestion",
    "practice_card",
    "practice_review",
    "moderation_flag",
    "moderation_auditlogentry",
    "accounts_user",
}


INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}
READS_EVERYTHING = {"Sort", "Aggregate", "Hash", "Materialize", "WindowAgg", "SetOp"}


def _seq_scans(plan, under_limit=False):
    """Full reads of big tables in a plan: sequential scans, and index scans that neither look
    anything up (no Index Cond) nor stop early under a LIMIT (an ordered page of a list)."""
    found = []
    node, table = plan.get("Node Type"), plan.get("Relation Name")
    if table in BIG_TABLES:
        if node == "Seq Scan":
            found.append(f"Seq Scan on {table}")
        elif (
            node in INDEX_SCANS
            and "Index Cond" not in plan
            and "Recheck Cond" not in plan
            and not under_limit
        ):
            found.append(f"full {node} on {table} ({plan.get('Index Name')})")
    # A LIMIT stops an ordered index scan early, unless something between them reads every row.
    under_limit = node == "Limit" or (under_limit and node not in READS_EVERYTHING)
    for child in plan.get("Plans", []):
        found += _seq_scans(child, under_limit)
    return found


def assert_no_full_reads(problems):
    if (
        problems
    ):  # the whole of each query and what it reads, not pytest's shortened diff
        pytest.fail(json.dumps(problems, indent=1))


def _explain_seq_scans(queries, before=()):
    """Big tables each query would read whole even when the planner is told not to.

    With sequential scans (and sorts and whole-table joins) off, PostgreSQL still picks one where
    no index can serve the query: on a test database of a few rows this finds a missing index as
    surely as a big one.
    """
    problems = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # A partial index holds only the rows it is for (say, posts awaiting review): reading all
        # of it is reading just those.
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indpred IS NOT NULL"
        )
        partial = {name for (name,) in cursor.fetchall()}
        # Nor sorting where an index could give the order, nor joining by reading both sides
        # whole (hash and merge joins): on a test database of a few rows those cost nothing, so
        # the planner's choice would depend on leftover statistics. What remains is the plan a
        # big table needs: each row reached through an index.
        for switch in ("seqscan", "sort", "hashjoin", "mergejoin"):
            cursor.execute(f"SET LOCAL enable_{switch} = off")
        for statement in before:
            cursor.execute(statement)
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            scans = [
                scan
                for scan in _seq_scans(plan[0]["Plan"])
                if not scan.endswith(tuple(f"({name})" for name in partial))
            ]
            if scans:
                problems[sql] = scans
    return problems


@pytest.mark.postgres
@pytest.mark.usefixtures(
    "production_caches"
)  # whole-bank counts are cached, as in production
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "member"])
def test_read_pages_reach_big_tables_through_indexes(site, signed_in, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client = Client()
    pages = dict(read_pages(site))
    if signed_in:
        client.force_login(site["member"])
        pages.update({name: url(site) for name, url in SIGNED_IN_PAGES.items()})
    pages.update(
        {
            "list sorted by difficulty": reverse("questions:list") + "?sort=difficulty",
            "list canonical": reverse("questions:list") + "?status=canonical",
            "list unanswered": reverse("questions:list") + "?status=needs-answer",
        }
    )
    problems = {}
    for name, url in pages.items():
        for sql, scans in _explain_seq_scans(_queries(client, url)).items():
            problems[f"{name}: {sql}"] = scans
    assert_no_full_reads(problems)


@pytest.mark.postgres
@pytest.mark.usefixtures("production_caches")
def test_the_moderation_queue_reaches_big_tables_through_indexes(site):
    client = Client()
    client.force_login(UserFactory(moderator=True))
    assert_no_full_reads(
        _explain_seq_scans(_queries(client, reverse("moderation:queue")))
    )


def test_top_score_follows_votes_and_answer_visibility(user):
    question = QuestionFactory()
    low = answer_create(question=question, author=UserFactory(trusted=True), body="A")
    high = answer_create(question=question, author=UserFactory(trusted=True), body="B")
    question.refresh_from_db()
    assert question.top_score == 0
    vote_cast(user=user, answer=high, value=1)
    question.refresh_from_db()
    assert question.top_score == 1
    vote_cast(user=user, answer=low, value=-1)
    vote_cast(user=user, answer=high, value=-1)  # switched: high is now -1, low -1
    question.refresh_from_db()
    assert question.top_score == -1
    answer_delete(answer=high, by=high.author)
    vote_cast(user=user, answer=low, value=-1)  # undone: low is back to 0
    question.refresh_from_db()
    assert question.top_score == 0
    answer_delete(answer=low, by=low.author)
    question.refresh_from_db()
    assert question.top_score is None


def test_a_common_search_ranks_only_the_most_recent_matches_and_says_so(
    client, settings, monkeypatch
):
    monkeypatch.setattr("questions.search.SEARCH_CANDIDATES", 3)
    topic = TopicFactory()
    for n in range(5):
        QuestionFactory(topic=topic, title=f"Why is dropout number {n} a regulariser?")
    AnswerFactory()  # an unrelated question
    search_index_update()
    page = client.get(reverse("questions:list"), {"q": "dropout"}).content.decode()
    assert page.count('class="question-row"') == 3
    assert (
        "At least 3 questions match “dropout”: these are the 3 most recently active"
        in page
    )
    rare = client.get(reverse("questions:list"), {"q": "dropout 4"}).content.decode()
    assert "1 question matches" in rare


@pytest.mark.postgres
@pytest.mark.usefixtures("production_caches")
def test_the_index_check_finds_a_missing_index(site, settings):
    """The check above can fail: without its index, "most votes" reads every question."""
    settings.PAGE_CACHE_SECONDS = 0
    queries = _queries(Client(), reverse("questions:list") + "?sort=votes")
    assert any("top_score" in query["sql"] for query in queries)
    assert_no_full_reads(_explain_seq_scans(queries))
    dropped = _explain_seq_scans(queries, before=["DROP INDEX question_top_score_idx"])
    assert any("questions_question" in " ".join(scans) for scans in dropped.values())


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["due", "new", "weak", "mock"])
def test_choosing_the_next_practice_card_reaches_big_tables_through_indexes(site, mode):
    """The due-card lookup (the member's cards) and the random new question (a walk along the
    primary key from a random point, not ORDER BY random() over the bank)."""
    session = site["session"]
    session.mode = mode
    with CaptureQueriesContext(connection) as captured:
        next_pick(session, now=timezone.now())
    tables = "questions_question" if mode == "mock" else "practice_card"
    assert any(tables in query["sql"] for query in captured)
    assert_no_full_reads(_explain_seq_scans(captured))


@pytest.mark.postgres
@pytest.mark.usefixtures("production_caches")
@pytest.mark.parametrize("page", ["practice home", "practice progress"])
def test_practice_figures_are_read_through_indexes_when_not_cached(site, page):
    """The practice pages' figures are cached per member (practice.snapshot) until they practise
    again, so the page check above sees none of their queries: here the member has just
    practised, and their cards, review log, sessions and settings are read again."""
    client = Client()
    client.force_login(site["member"])
    url = SIGNED_IN_PAGES[page](site)
    # The bank-wide counts and the topics are cached, as nearly every request finds them.
    client.get(url)
    replace_tokens(practice_token(site["member"].pk))  # as a practice write does
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == HTTPStatus.OK
    assert any("practice_card" in query["sql"] for query in captured)
    assert_no_full_reads(_explain_seq_scans(captured))
