"""Searching the question bank, and keeping each question's stored search document current.

Keeping the index current (PostgreSQL):
    `Question.search_vector` holds a question's full-text document: its title (weight A), its body (B)
    and the text of its visible answers (C). Nothing updates it automatically: every write that changes
    one of those must call `search_index_update(question_ids=[...])` after it, in the same transaction:
    - the seed importer, once at the end (no ids: it recomputes every question);
    - question create/edit services;
    - answer create, edit, delete and undelete services, with the answer's question id.
    A question whose vector is NULL is simply not found by search until then. On SQLite the function
    does nothing: search there reads the live columns.

Searching:
    `search_questions(queryset, query)` filters a question queryset, annotates `search_rank`
    (higher is better) and says how many questions matched; `attach_snippets(questions, query)`
    sets `.snippet` (safe HTML in which `<mark>` is the only markup) on one page of results. On
    PostgreSQL these use the stored vector (GIN index from migration 0002),
    `websearch_to_tsquery('english', ...)`, `ts_rank` and `ts_headline`; on SQLite every word of
    the query must appear, case-insensitively, in the title, the body or a visible answer.
"""

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection, connections
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    StringAgg,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Left
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import Answer, Question

SEARCH_CONFIG = "english"
# Longer queries are cut: nobody types more, and the cost of a tsquery grows with it.
MAX_QUERY_LENGTH = 200
# SQLite only: the number of words a query may use, and words too common to search for.
MAX_QUERY_WORDS = 8
# Kept as one string to stay readable; PostgreSQL uses its own (longer) English list.
STOP_WORDS = frozenset(
    """a about an and are as at be but by can do does for from has have how i if in into is it its of
    on or so than that the their then there these they this to was we what when where which who why
    will with you your""".split()  # noqa: SIM905
)
# Searches rank the most recently active matches, at most this many (ten pages): a common word
# matches a sixth of a big bank, and ranking every match costs ts_rank a read of each document.
SEARCH_CANDIDATES = 250
# Text the snippet is drawn from: the body and then the answers, each cut so that ts_headline,
# whose cost grows with the text, stays cheap for a page of 25 results.
SNIPPET_SOURCE_CHARS = 1_000
SNIPPET_MAX_CHARS = 400
# Private-use characters mark the matches in ts_headline's output: the text is escaped first, then
# only these markers become <mark> tags, so nothing from the question itself can become markup.
_START, _STOP = "\ue000", "\ue001"
_WORD_RE = re.compile(r"\w+")

# Title A, body B, visible answers C. The answers' text is capped so no question can overflow the
# 1 MB tsvector limit. Kept in step with migration 0002, which fills the vectors once.
_UPDATE_SQL = """
UPDATE questions_question AS q SET search_vector =
    setweight(to_tsvector('english', q.title), 'A')
    || setweight(to_tsvector('english', coalesce(q.body, '')), 'B')
    || setweight(to_tsvector('english', left(coalesce((
        SELECT string_agg(a.body, ' ') FROM questions_answer AS a
        WHERE a.question_id = q.id AND a.deleted_at IS NULL AND a.status = 'published'
    ), ''), 200000)), 'C')
"""


def search_index_update(question_ids=None):
    """Recompute the stored search vector of these questions (all when None) in one UPDATE.

    Returns the number of questions updated; does nothing (and returns 0) on SQLite.
    """
    if connection.vendor != "postgresql":
        return 0
    sql, params = _UPDATE_SQL, []
    if question_ids is not None:
        question_ids = [int(pk) for pk in question_ids]
        if not question_ids:
            return 0
        sql, params = sql + " WHERE q.id = ANY(%s)", [question_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def clean_query(raw):
    """The query as we search for it: no NUL bytes, whitespace collapsed, at most MAX_QUERY_LENGTH characters."""
    text = " ".join((raw or "").replace("\x00", "").split())
    return text[:MAX_QUERY_LENGTH].strip()


def query_words(query):
    """SQLite search: the distinct words worth looking for, lower-cased, in order."""
    words = []
    for word in _WORD_RE.findall(query.lower()):
        if word not in STOP_WORDS and word not in words:
            words.append(word)
    return words[:MAX_QUERY_WORDS]


def _is_postgres(queryset):
    return connections[queryset.db].vendor == "postgresql"


def _tsquery(query):
    return SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")


def search_questions(queryset, query):
    """(questions, count): the questions matching `query`, annotated with `search_rank` (higher
    is more relevant), and how many there are.

    Only the SEARCH_CANDIDATES most recently active matches are returned (see `is_capped`).
    """
    if _is_postgres(queryset):
        tsquery = _tsquery(query)
        # `search_vector @@ query` uses the GIN index (or, for a common word, the activity index
        # until enough matches are found); an empty tsquery (stop words only) matches nothing.
        questions, count = _candidates(queryset, queryset.filter(search_vector=tsquery))
        return questions.annotate(
            search_rank=SearchRank(F("search_vector"), tsquery)
        ), count
    words = query_words(query)
    if not words:  # only punctuation or stop words: nothing to look for
        return queryset.annotate(search_rank=Value(0)).none(), 0
    matches, rank = queryset, Value(0)
    for word in words:
        in_answers = Answer.objects.visible().filter(
            question=OuterRef("pk"), body__icontains=word
        )
        matches = matches.filter(
            Q(title__icontains=word) | Q(body__icontains=word) | Exists(in_answers)
        )
        # Like the weights on PostgreSQL: a title match counts most, then the body; answers only match.
        rank += Case(
            When(title__icontains=word, then=Value(4)),
            default=Value(0),
            output_field=IntegerField(),
        )
        rank += Case(
            When(body__icontains=word, then=Value(2)),
            default=Value(0),
            output_field=IntegerField(),
        )
    questions, count = _candidates(queryset, matches)
    return questions.annotate(search_rank=rank), count


def _candidates(queryset, matches):
    # Read once, as a list: the page looks the ids up instead of running the search again, and
    # their number is the total (`matches` has every other filter applied already).
    recent = matches.order_by("-last_activity_at", "-id").values_list("pk", flat=True)
    ids = list(recent[:SEARCH_CANDIDATES])
    return queryset.filter(pk__in=ids), len(ids)


def is_capped(count):
    """Whether a search's result count stopped at SEARCH_CANDIDATES (there may be more matches)."""
    return count >= SEARCH_CANDIDATES


def attach_snippets(questions, query):
    """Set `.snippet` on each question of a page of search results: at most one query."""
    questions = list(questions)
    if not questions or not query:
        return
    if connections[questions[0]._state.db or "default"].vendor == "postgresql":
        headlines = dict(_headlines(questions, query))
    else:
        headlines = {
            question.pk: _plain_excerpt(question.body, query_words(query))
            for question in questions
        }
    for question in questions:
        question.snippet = render_highlights(headlines.get(question.pk) or "")


def _headlines(questions, query):
    answers_text = (
        Answer.objects.visible()
        .filter(question=OuterRef("pk"))
        .values("question")
        .annotate(text=StringAgg(Left("body", SNIPPET_SOURCE_CHARS), Value(" ")))
        .values("text")
    )
    document = Concat(
        Left(Coalesce("body", Value("")), SNIPPET_SOURCE_CHARS),
        Value(" \n "),
        Left(Coalesce(Subquery(answers_text), Value("")), SNIPPET_SOURCE_CHARS),
    )
    headline = SearchHeadline(
        document,
        _tsquery(query),
        config=SEARCH_CONFIG,
        start_sel=_START,
        stop_sel=_STOP,
        max_words=30,
        min_words=12,
        max_fragments=2,
        fragment_delimiter=" … ",
    )
    return (
        Question.objects.filter(pk__in=[q.pk for q in questions])
        .annotate(headline=headline)
        .order_by()
        .values_list("pk", "headline")
    )


def _plain_excerpt(text, words):
    """SQLite: about SNIPPET_MAX_CHARS of `text` around the first word found, matches between markers."""
    if not text or not words:
        return ""
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    first = pattern.search(text)
    if first is None:
        return ""
    start = max(0, first.start() - SNIPPET_MAX_CHARS // 3)
    excerpt = text[start : start + SNIPPET_MAX_CHARS]
    excerpt = pattern.sub(lambda match: f"{_START}{match.group(0)}{_STOP}", excerpt)
    return (
        ("… " if start else "")
        + excerpt
        + (" …" if start + SNIPPET_MAX_CHARS < len(text) else "")
    )


def render_highlights(text):
    """Escape `text`, then turn the match markers (and nothing else) into balanced <mark> tags."""
    # A safety cap: ts_headline counts words, and one "word" can be a 10,000-character URL.
    text = " ".join(text.split())[: 2 * SNIPPET_MAX_CHARS]
    parts, is_open = [], False
    for piece in re.split(f"([{_START}{_STOP}])", text):
        if piece == _START:
            if not is_open:
                parts.append("<mark>")
            is_open = True
        elif piece == _STOP:
            if is_open:
                parts.append("</mark>")
            is_open = False
        else:
            parts.append(escape(piece))
    if is_open:
        parts.append("</mark>")
    return mark_safe("".join(parts))
