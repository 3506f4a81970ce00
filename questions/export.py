"""The bank as JSON Lines: `manage.py export_questions` (every question, one line each, but the
merged ones) and the
web download at /questions/download/ (the published bank with its text, answers and the licence
and attribution of every source)."""

import json

from django.db.models import Prefetch, Q

from .models import (
    RELATED_SHOWN,
    Answer,
    Question,
    QuestionSource,
    QuestionStatus,
    RelatedQuestion,
    Status,
)
from .seeds.documents import load_metadata

CHUNK = 500


def _links():
    return QuestionSource.objects.select_related("source").order_by(
        "source__filename", "line"
    )


def _related():
    return (
        RelatedQuestion.objects.filter(related__status=Status.PUBLISHED)
        .order_by("rank")
        .only("question_id", "related_id", "rank")
    )


def question_record(question: Question) -> dict:
    """One line of `export_questions`: a question, where it comes from, how it is answered and
    the questions related to it (ids, closest first, as its page lists them)."""
    return {
        "id": question.pk,
        "title": question.title,
        "topic": question.topic.slug,
        "difficulty": question.difficulty,
        # Members' totals (never who said what): the difficulty shown (the source's, else the
        # community's median rating once enough members rated it), interviews, useful votes.
        "shown_difficulty": question.shown_difficulty,
        "community_difficulty": question.community_difficulty,
        "difficulty_rating_count": question.difficulty_rating_count,
        "interview_count": question.interview_count,
        "useful_count": question.useful_count,
        "kind": question.kind,
        "sources": [
            {"document": link.source.filename, "line": link.line}
            for link in question.source_links.all()
        ],
        "has_reference_answer": question.has_reference_answer,
        "answer_count": question.answer_count,
        "url": question.get_absolute_url(),
        "related": [link.related_id for link in question.related_links.all()][
            :RELATED_SHOWN
        ],
    }


def export_queryset(questions=None):
    """Questions with what `question_record` reads, a fixed number of queries per chunk.

    Not the records of merges (a question merged into another): the question it went into
    lists their sources, answers and all. Never members' private cards."""
    if questions is None:
        questions = Question.objects.exclude(
            status__in=[QuestionStatus.MERGED, QuestionStatus.PRIVATE]
        )
    return (
        questions.select_related("topic")
        .defer("search_vector", "body_html")
        .prefetch_related(
            Prefetch("source_links", queryset=_links()),
            Prefetch("related_links", queryset=_related()),
        )
        .order_by("pk")
    )


def export_lines(questions=None):
    """`export_questions`' lines, streamed."""
    for question in export_queryset(questions).iterator(chunk_size=CHUNK):
        yield json.dumps(question_record(question), ensure_ascii=False)


def _source_entry(link, metadata) -> dict:
    meta = metadata.get(link.source.filename, {})
    return {
        "document": link.source.filename,
        "line": link.line,
        "title": link.source.title,
        "url": link.source.url,
        "licence": meta.get("licence", "not stated"),
        "licence_url": meta.get("licence_url", ""),
        "attribution": meta.get("attribution", link.source.title),
    }


def download_record(question: Question, metadata: dict, absolute) -> dict:
    """One line of the web download: the question's export record plus its text, its sources
    with their licence and attribution, the sources' reference answers and the canonical one."""
    record = question_record(question)
    canonical = next((a for a in question.shown_answers if a.is_canonical), None)
    record.update(
        prompt=question.prompt,
        body=question.body,
        url=absolute(question.get_absolute_url()),
        sources=[_source_entry(link, metadata) for link in question.source_links.all()],
        reference_answers=[
            {
                "document": answer.source.filename,
                "attribution": metadata.get(answer.source.filename, {}).get(
                    "attribution", answer.source.title
                ),
                "body": answer.body,
            }
            for answer in question.shown_answers
            if answer.source_id is not None
        ],
        canonical_answer=None
        if canonical is None
        else {
            "body": canonical.body,
            "author": canonical.source.title
            if canonical.source_id
            else (canonical.author.public_name if canonical.author else "deleted user"),
            "marked_at": canonical.canonical_marked_at.isoformat()
            if canonical.canonical_marked_at
            else None,
        },
    )
    return record


def download_lines(absolute):
    """The published bank, one JSON object a line; `absolute(path)` makes its links absolute."""
    metadata = load_metadata()
    shown = (
        Answer.objects.visible()
        .filter(Q(source__isnull=False) | Q(is_canonical=True))
        .select_related("source", "author")
        .defer("body_html")
        .order_by("source__filename")
    )
    questions = export_queryset(Question.objects.published()).prefetch_related(
        Prefetch("answers", queryset=shown, to_attr="shown_answers")
    )
    for question in questions.iterator(chunk_size=CHUNK):
        yield json.dumps(
            download_record(question, metadata, absolute), ensure_ascii=False
        )
