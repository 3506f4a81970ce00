"""The seed importer (questions/importer.py) and its two management commands, against the database."""

import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from questions import importer
from questions.importer import SeedImportError, default_paths, import_seeds
from questions.models import (
    Answer,
    AnswerRevision,
    Question,
    QuestionSource,
    Source,
    Topic,
)
from questions.seeds import TOPICS, dedup_key
from questions.seeds.documents import load_merges

pytestmark = pytest.mark.django_db

SHIPPED = {path.name[:3]: path for path in default_paths()}
KMEANS = dedup_key("What is convergence in k-means clustering?")
# Reworded duplicates merged by seed_data/merges.json (tests/test_questions_import_merges.py).
REWORDINGS = sum(len(entry["merge"]) for entry in load_merges())
TOTAL_QUESTIONS = 165 + 66 + 129 + 15 - 64 - REWORDINGS
# One reference answer per question and document: a rewording's answer from a document that
# answers the question it went into too is joined to that answer.
JOINED_REFERENCES = 7
TOTAL_REFERENCES = 112 + 66 + 129 + 15 - JOINED_REFERENCES


@pytest.fixture
def docs(tmp_path):
    """Editable copies of the shipped documents, under their own names."""
    for path in SHIPPED.values():
        shutil.copy(path, tmp_path / path.name)
    return {prefix: tmp_path / path.name for prefix, path in SHIPPED.items()}


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_import_writes_topics_sources_questions_and_reference_answers():
    # Speed is measured by bench/, not asserted here (a loaded CI machine must not fail it).
    report = import_seeds()

    assert (report.created, report.updated, report.unchanged, report.removed) == (
        TOTAL_QUESTIONS,
        0,
        0,
        0,
    )
    assert report.answers_created == TOTAL_REFERENCES
    assert Question.objects.count() == TOTAL_QUESTIONS
    assert QuestionSource.objects.count() == 165 + 66 + 129 + 15
    assert Answer.objects.references().count() == TOTAL_REFERENCES
    assert not Answer.objects.filter(
        source__isnull=False, author__isnull=False
    ).exists()
    assert AnswerRevision.objects.count() == TOTAL_REFERENCES
    assert list(Topic.objects.values_list("slug", flat=True)) == [
        t.slug for t in TOPICS
    ]
    assert sorted(Source.objects.values_list("filename", flat=True)) == sorted(
        p.name for p in SHIPPED.values()
    )
    theory = Source.objects.get(filename=SHIPPED["000"].name)
    assert (
        theory.url
        == "https://github.com/alexeygrigorev/data-science-interviews/blob/master/theory.md"
    )
    assert "theory.md" in theory.description


def test_the_same_question_in_two_documents_is_one_question_with_both_sources():
    import_seeds()
    question = Question.objects.get(dedup_key=KMEANS)
    assert question.title == "What is convergence in k-means clustering?"
    assert [
        (link.source.filename[:3], link.line) for link in question.source_links.all()
    ] == [
        ("001", 97),
        ("002", 604),
    ]
    references = question.answers.references()
    assert sorted(a.source.filename[:3] for a in references) == ["001", "002"]
    assert all(a.author_id is None and "convergence" in a.body_html for a in references)
    assert question.has_reference_answer and not question.needs_answer


def test_questions_without_a_source_answer_need_one():
    import_seeds()
    unanswered = Question.objects.get(
        dedup_key=dedup_key("Is feature selection important for linear models?")
    )
    assert (unanswered.has_reference_answer, unanswered.needs_answer) == (False, True)
    assert unanswered.difficulty == "medium"
    # Two of 000's unanswered questions have an answer from the rewording merged into them.
    assert Question.objects.filter(has_reference_answer=False).count() == 165 - 112 - 2


def test_topics_to_explain_and_their_prompt():
    import_seeds()
    topic = Question.objects.get(
        dedup_key=dedup_key("Residual Connections/ Skip Connections")
    )
    assert topic.kind == "topic"
    assert topic.prompt == "Explain: Residual Connections/ Skip Connections"


def test_a_second_run_changes_nothing_and_says_so():
    import_seeds()
    snapshot = list(
        Question.objects.order_by("pk").values_list(
            "pk", "title", "topic_id", "difficulty"
        )
    )
    report = import_seeds()
    assert (report.created, report.updated, report.removed, report.unchanged) == (
        0,
        0,
        0,
        TOTAL_QUESTIONS,
    )
    assert (report.answers_created, report.answers_updated, report.answers_removed) == (
        0,
        0,
        0,
    )
    assert not report.changed and (report.topics_updated, report.sources_updated) == (
        0,
        0,
    )
    assert report.lines()[-1].startswith("Nothing changed")
    assert (
        list(
            Question.objects.order_by("pk").values_list(
                "pk", "title", "topic_id", "difficulty"
            )
        )
        == snapshot
    )
    assert AnswerRevision.objects.count() == TOTAL_REFERENCES


def test_an_edited_document_updates_in_place(docs):
    import_seeds(list(docs.values()))
    kmeans = Question.objects.get(dedup_key=KMEANS)
    renamed = Question.objects.get(
        dedup_key=dedup_key("What is gradient descent? How does it work?")
    )
    count = Question.objects.count()
    # Two lines inserted at the top shift every line; an answer and a title change.
    edit(
        docs["000"],
        "Theoretical interview questions\n",
        "Theoretical interview questions\n\nEdited.\n",
    )
    edit(
        docs["000"],
        "What is gradient descent? How does it work? ⭐️",
        "What is gradient descent and how does it work? ⭐️",
    )
    edit(
        docs["001"],
        "Averaging is equivalent to uniform attention.",
        "Averaging is the same as uniform attention.",
    )

    report = import_seeds(list(docs.values()))

    assert Question.objects.count() == count
    assert (report.created, report.removed) == (0, 0)
    renamed.refresh_from_db()
    assert renamed.title == "What is gradient descent and how does it work?"
    assert renamed.source_links.get().line == 86 + 2
    assert (
        report.updated == 165 + 1
    )  # every 000 question moved two lines; one 001 answer changed
    answer = Answer.objects.get(
        question__dedup_key=dedup_key("Explain mean/average in terms of attention."),
        source__filename=SHIPPED["001"].name,
    )
    assert answer.body == "- Averaging is the same as uniform attention."
    assert answer.revision_count == 2 and answer.revisions.count() == 2
    assert Question.objects.get(pk=kmeans.pk).dedup_key == KMEANS
    assert import_seeds(list(docs.values())).changed is False


def test_a_question_dropped_from_its_document_is_removed_and_its_answer_too(docs):
    import_seeds(list(docs.values()))
    title = "What is model checkpointing? ⭐️"
    edit(docs["000"], title + "\n\nSaving the weights", "Saving the weights")
    report = import_seeds(list(docs.values()))
    assert report.removed == 1
    assert not Question.objects.filter(dedup_key=dedup_key(title)).exists()


def test_a_reference_answer_dropped_from_its_document_is_soft_deleted(docs):
    import_seeds(list(docs.values()))
    edit(
        docs["000"],
        "Regularization is used to reduce overfitting in machine learning models. It helps the models to generalize well and make them robust to outliers and noise in the data.",
        "Answer here",
    )
    report = import_seeds(list(docs.values()))
    assert report.answers_removed == 1
    question = Question.objects.get(
        dedup_key=dedup_key("What is regularization? Why do we need it?")
    )
    assert question.answers.get().deleted_at is not None
    assert question.needs_answer


def test_importing_one_document_keeps_what_the_others_gave_a_merged_question():
    import_seeds()
    report = import_seeds([SHIPPED["001"]])
    # 001's 66 items, one of which (active learning, asked twice) is merged into the other.
    assert (report.created, report.updated, report.removed, report.unchanged) == (
        0,
        0,
        0,
        65,
    )
    assert (
        Question.objects.get(dedup_key=KMEANS).title
        == "What is convergence in k-means clustering?"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the document is empty"),
        (b"\xff\xfe not utf-8 \xe9", "not UTF-8"),
        (b"Just some prose.\n\nNo questions here.\n", "unrecognised format"),
    ],
)
def test_a_bad_document_imports_nothing(tmp_path, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    with pytest.raises(SeedImportError, match=f"^bad.txt: .*{message}"):
        import_seeds([SHIPPED["000"], bad])
    assert (
        not Question.objects.exists()
        and not Source.objects.exists()
        and not Topic.objects.exists()
    )
    with pytest.raises(CommandError, match="bad.txt"):
        call_command("import_seeds", str(SHIPPED["000"]), str(bad), stdout=StringIO())


def test_a_failure_while_writing_rolls_everything_back(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(importer, "search_index_update", fail)
    with pytest.raises(RuntimeError):
        import_seeds()
    assert (
        not Question.objects.exists()
        and not Answer.objects.exists()
        and not Topic.objects.exists()
    )


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(SeedImportError, match="can't read"):
        import_seeds([tmp_path / "missing.txt"])


def test_import_command_reports_per_document_and_totals():
    out = StringIO()
    call_command("import_seeds", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:4] == [
        f"{SHIPPED['000'].name}: 165 questions found, 112 with an answer, 0 merged as duplicates",
        f"{SHIPPED['001'].name}: 66 questions found, 66 with an answer, 0 merged as duplicates",
        f"{SHIPPED['002'].name}: 129 questions found, 129 with an answer, 64 merged as duplicates",
        f"{SHIPPED['003'].name}: 15 questions found, 15 with an answer, 0 merged as duplicates",
    ]
    assert (
        lines[4]
        == f"Total: 375 found, 322 with an answer, 64 merged -> {375 - 64} questions"
    )
    assert lines[5] == (
        f"Reworded duplicates (seed_data/merges.json): {REWORDINGS} merged "
        f"-> {TOTAL_QUESTIONS} questions; 0 merged in the database by this import"
    )
    assert (
        lines[6]
        == f"Questions: {TOTAL_QUESTIONS} created, 0 updated, 0 unchanged, 0 removed"
    )
    assert (
        lines[7]
        == f"Reference answers: {TOTAL_REFERENCES} created, 0 updated, 0 removed"
    )
    assert (
        lines[8]
        == f"Topics: {len(TOPICS)} created, 0 updated; sources: 4 created, 0 updated"
    )
    out = StringIO()
    call_command("import_seeds", stdout=out)
    assert f"0 created, 0 updated, {TOTAL_QUESTIONS} unchanged" in out.getvalue()
    assert (
        out.getvalue()
        .rstrip()
        .endswith("Nothing changed: the database already matches the documents.")
    )


def test_export_questions_writes_json_lines(tmp_path):
    import_seeds()
    out = StringIO()
    call_command("export_questions", stdout=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(records) == TOTAL_QUESTIONS
    assert all(
        set(r)
        == {
            "id",
            "title",
            "topic",
            "difficulty",
            "shown_difficulty",
            "community_difficulty",
            "difficulty_rating_count",
            "interview_count",
            "useful_count",
            "kind",
            "sources",
            "has_reference_answer",
            "answer_count",
            "url",
            "related",
        }
        for r in records
    )
    kmeans = Question.objects.get(dedup_key=KMEANS)
    record = next(r for r in records if r["id"] == kmeans.pk)
    expected = {
        "id": kmeans.pk,
        "title": "What is convergence in k-means clustering?",
        "topic": "clustering",
        "difficulty": "unrated",
        "shown_difficulty": "unrated",
        "community_difficulty": "unrated",
        "difficulty_rating_count": 0,
        "interview_count": 0,
        "useful_count": 0,
        "kind": "question",
        "sources": [
            {"document": SHIPPED["001"].name, "line": 97},
            {"document": SHIPPED["002"].name, "line": 604},
        ],
        "has_reference_answer": True,
        "answer_count": 0,
        "url": kmeans.get_absolute_url(),
        "related": record["related"],  # checked in tests/test_questions_related.py
    }
    assert {key: record[key] for key in expected} == expected
    assert (record["shown_difficulty"], record["useful_count"]) == ("unrated", 0)
    kmeans_family = Question.objects.filter(title__icontains="k-means")
    assert set(record["related"]) & set(kmeans_family.values_list("pk", flat=True))
    assert {r["difficulty"] for r in records} == {"easy", "medium", "hard", "unrated"}
    assert {r["kind"] for r in records} == {"question", "topic"}

    target = tmp_path / "bank.jsonl"
    call_command(
        "export_questions",
        "--output",
        str(target),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert target.read_text(encoding="utf-8") == out.getvalue()
