"""The shipped bank merges the reworded duplicates listed in questions/seed_data/merges.json:
on a fresh database, on one imported before the list (its rows merged, their addresses
redirecting), idempotently, with every source still credited on the merged question."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from practice.models import Card
from practice.scheduling import rebuild_card
from questions import importer
from questions.importer import import_seeds
from questions.models import Answer, Question, QuestionSource, QuestionStatus
from questions.seeds import REFERENCE_SEPARATOR, dedup_key
from questions.seeds.documents import load_merges
from questions.services.answers import answer_create
from questions.services.curation import question_merge
from tests.factories import UserFactory
from tests.practice_factories import NOW, history

pytestmark = pytest.mark.django_db

MERGES = load_merges()
FOLDED = sum(len(entry["merge"]) for entry in MERGES)
BANK = 375 - 64  # the documents' questions, exact duplicates merged
VANISHING = "What is the Vanishing Gradient Problem in Artificial Neural Networks and how to fix it?"
VANISHING_REWORDED = "What is the Vanishing Gradient Problem and how do you fix it?"
ACTIVE = "What is active learning?"


def snapshot():
    return (
        list(
            Question.objects.order_by("pk").values_list(
                "pk", "title", "status", "merged_into", "difficulty"
            )
        ),
        list(
            QuestionSource.objects.order_by("pk").values_list(
                "pk", "question_id", "line"
            )
        ),
        list(
            Answer.objects.order_by("pk").values_list(
                "pk", "question_id", "body", "deleted_at"
            )
        ),
    )


def test_every_listed_member_is_in_the_shipped_documents():
    bank = {q.key: q for q in importer.build_bank(importer_documents())[0]}
    for entry in MERGES:
        for member in [entry["keep"], *entry["merge"]]:
            question = bank.get(dedup_key(member["title"]))
            assert question is not None, member
            assert (member["document"], member["line"]) in {
                (ref.document, ref.line) for ref in question.sources
            }, member


def importer_documents():
    return [
        (name, importer._parse(name, text))
        for name, text in importer.read_documents(importer.default_paths())
    ]


def test_a_fresh_import_merges_the_rewordings_and_credits_every_source():
    report = import_seeds()
    assert report.rewordings == FOLDED
    assert Question.objects.count() == BANK - FOLDED
    assert QuestionSource.objects.count() == 375  # every place each question appears
    question = Question.objects.get(title=VANISHING)
    assert sorted(
        (link.source.filename[:3], link.line) for link in question.source_links.all()
    ) == [
        ("001", 836),
        ("002", 230),
        ("002", 1548),
    ]
    # One reference answer per document: 002's two wordings' answers are joined.
    (from_002,) = question.answers.filter(source__filename__startswith="002")
    assert from_002.body.count(REFERENCE_SEPARATOR) == 1
    assert not Question.objects.filter(title=VANISHING_REWORDED).exists()
    # A document asking one question twice in other words (001's active learning): one
    # question, with both places credited and that document's two answers joined.
    active = Question.objects.get(title=ACTIVE)
    assert sorted(
        link.line
        for link in active.source_links.filter(source__filename__startswith="001")
    ) == [535, 668]
    (from_001,) = active.answers.filter(source__filename__startswith="001")
    assert REFERENCE_SEPARATOR in from_001.body

    before = snapshot()
    again = import_seeds()
    assert not again.changed and again.lines()[-1].startswith("Nothing changed")
    assert snapshot() == before


def test_a_bank_imported_before_the_list_has_its_rewordings_merged(monkeypatch):
    monkeypatch.setattr(importer, "load_merges", lambda: [])
    import_seeds()
    assert Question.objects.count() == BANK
    kept = Question.objects.get(title=VANISHING)
    reworded = Question.objects.get(title=VANISHING_REWORDED)
    old_url = reworded.get_absolute_url()
    member = UserFactory(trusted=True)
    history(member, kept, [3, 3], start=NOW - timedelta(days=30))
    history(member, reworded, [1, 3, 3], start=NOW - timedelta(days=20))
    answer = answer_create(
        question=reworded,
        author=member,
        body="Skip connections give the gradient a short path back.",
    )

    monkeypatch.setattr(importer, "load_merges", load_merges)
    report = import_seeds()
    assert report.questions_merged == FOLDED
    assert report.changed
    assert Question.objects.published().count() == BANK - FOLDED
    assert Question.objects.filter(status=QuestionStatus.MERGED).count() == FOLDED
    reworded.refresh_from_db()
    assert reworded.merged_into_id == kept.pk
    assert Answer.objects.get(pk=answer.pk).question_id == kept.pk
    card = Card.objects.get(user=member)
    assert card.question_id == kept.pk and card.review_count == 5
    rebuilt = rebuild_card(card, card.reviews.all())
    assert (card.state, card.due, card.review_count) == (
        rebuilt.state,
        rebuilt.due,
        rebuilt.review_count,
    )
    moved = Client().get(old_url)
    assert moved.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert moved["Location"] == kept.get_absolute_url()
    # The same bank as a fresh import gives, and a further run changes nothing.
    assert QuestionSource.objects.filter(question=kept).count() == 3
    before = snapshot()
    assert not import_seeds().changed
    assert snapshot() == before


def test_a_moderators_merge_outlives_the_next_import(moderator):
    import_seeds()
    target = Question.objects.get(title="What is the bias-variance trade-off?")
    source = Question.objects.get(title="What is overfitting?")
    question_merge(source=source, target=target, by=moderator)
    lines = set(
        QuestionSource.objects.filter(question=target).values_list("line", flat=True)
    )
    before = snapshot()
    report = import_seeds()
    assert not report.changed
    assert snapshot() == before
    assert (
        set(
            QuestionSource.objects.filter(question=target).values_list(
                "line", flat=True
            )
        )
        == lines
    )


def test_export_and_the_related_lists_leave_merged_questions_out(client):
    import_seeds()
    moderator = UserFactory(moderator=True)
    a, b = Question.objects.published().order_by("pk")[:2]
    question_merge(source=b, target=a, by=moderator)
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("export_questions", stdout=out)
    assert f'"id": {b.pk},' not in out.getvalue()
    assert f'"id": {a.pk},' in out.getvalue()
    assert b.pk not in a.related_links.values_list("related_id", flat=True)
    assert not b.related_links.exists()
    page = client.get(reverse("questions:list") + "?page=1").content.decode()
    assert b.get_absolute_url() not in page
