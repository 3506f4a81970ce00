"""Merging and closing questions (moderators), through the real views: every row moves, the old
address redirects, members' cards become one card equal to a rebuild from the combined log, the
audit log and the cached pages follow; closed questions say why and take no answers."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from moderation.models import AuditLogEntry
from practice.models import Card, Review
from practice.scheduling import rebuild_card
from questions.models import (
    Answer,
    CloseReason,
    Comment,
    Question,
    QuestionFollow,
    QuestionSource,
    QuestionStatus,
    Vote,
)
from questions.services.answers import answer_create
from questions.services.comments import comment_create
from questions.services.curation import REFERENCE_SEPARATOR, question_merge
from questions.services.feedback import useful_vote_set
from questions.services.notifications import question_follow_toggle
from tests.factories import (
    AnswerFactory,
    QuestionFactory,
    SourceFactory,
    UserFactory,
)
from tests.practice_factories import NOW, history

pytestmark = pytest.mark.django_db

BODY = "The gradient shrinks layer after layer when each factor is below one."
FIELDS = (
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "review_count",
    "lapse_count",
    "recent_weight",
    "recent_pass_weight",
    "first_passed",
    "retention_reviews",
    "expected_lapses",
)


@pytest.fixture
def pair():
    """Question A (kept) and B (its rewording, merged into A), with something of every kind on B."""
    doc_one, doc_two = SourceFactory(), SourceFactory()
    a = QuestionFactory(title="What is the vanishing gradient problem?")
    b = QuestionFactory(
        title="Explain vanishing gradients", topic=a.topic, difficulty="unrated"
    )
    QuestionSource.objects.create(question=a, source=doc_one, line=10)
    QuestionSource.objects.create(question=b, source=doc_one, line=90)
    QuestionSource.objects.create(question=b, source=doc_two, line=5)
    AnswerFactory(question=a, author=None, source=doc_one, body="A's reference text.")
    AnswerFactory(question=b, author=None, source=doc_one, body="B's reference text.")
    AnswerFactory(question=b, author=None, source=doc_two, body="Doc two's text.")
    writer, voter, reader = (UserFactory(trusted=True) for _ in range(3))
    answer = answer_create(question=b, author=writer, body=BODY)
    Vote.objects.create(user=voter, answer=answer, value=1)
    comment_create(author=voter, body="Which activations cause it?", answer=answer)
    comment_create(author=reader, body="A classic interview question.", question=b)
    question_follow_toggle(user=reader, question=b)
    question_follow_toggle(user=writer, question=a)  # follows both (answer_create)
    return a, b, answer


def _merge(client, source, target):
    url = reverse("moderation:question-merge", args=[source.pk])
    confirm = client.post(url, {"target": str(target.pk)})
    assert confirm.status_code == HTTPStatus.OK
    assert "Merge into question" in confirm.content.decode()
    assert Question.objects.get(pk=source.pk).status == QuestionStatus.PUBLISHED
    return client.post(url, {"target": str(target.pk), "confirm": "True"})


def test_merge_moves_every_row_and_redirects(moderator_client, moderator, pair):
    a, b, answer = pair
    old_url = b.get_absolute_url()
    fan, other_fan = UserFactory(trusted=True), UserFactory(trusted=True)
    for question in (a, b):
        useful_vote_set(user=fan, question=question, useful=True)
    useful_vote_set(user=other_fan, question=b, useful=True)
    Client().get(a.get_absolute_url())  # cached for visitors before the merge
    response = _merge(moderator_client, b, a)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == a.get_absolute_url()

    b.refresh_from_db()
    assert b.status == QuestionStatus.MERGED and b.merged_into_id == a.pk
    assert b.merged_by == moderator
    assert Answer.objects.get(pk=answer.pk).question_id == a.pk
    assert Comment.objects.filter(question=a).count() == 1
    assert not Comment.objects.filter(question=b).exists()
    assert sorted(
        QuestionSource.objects.filter(question=a).values_list("line", flat=True)
    ) == [5, 10, 90]
    # Followers: one row each, on A.
    assert sorted(
        QuestionFollow.objects.filter(question=a).values_list(
            "user__username", flat=True
        )
    ) == sorted(
        QuestionFollow.objects.filter(question=a)
        .values_list("user__username", flat=True)
        .distinct()
    )
    assert QuestionFollow.objects.filter(question=a).count() == 2
    assert not QuestionFollow.objects.filter(question=b).exists()
    # Reference answers: doc two's moves, doc one's joins A's own (one per document).
    references = {
        ref.source_id: ref.body
        for ref in Answer.objects.filter(
            question=a, source__isnull=False, deleted_at__isnull=True
        )
    }
    assert len(references) == 2
    assert (
        "A's reference text." + REFERENCE_SEPARATOR + "B's reference text."
        in references.values()
    )
    a.refresh_from_db()
    assert a.answer_count == 1 and a.has_reference_answer
    assert a.useful_count == 2  # one vote a member: the fan's two became one
    assert a.difficulty == "medium"  # B's "unrated" doesn't replace it

    # B's address, with or without its slug, its feeds and its API entry redirect for good.
    for url in (old_url, reverse("questions:detail-short", args=[b.pk])):
        moved = Client().get(url)
        assert moved.status_code == HTTPStatus.MOVED_PERMANENTLY
        assert moved["Location"] == a.get_absolute_url()
    feed = Client().get(reverse("questions:answers-feed-rss", args=[b.pk]))
    assert feed.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert feed["Location"] == reverse("questions:answers-feed-rss", args=[a.pk])
    api = Client().get(f"/api/v1/questions/{b.pk}")
    assert api.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert api["Location"] == f"/api/v1/questions/{a.pk}"
    assert Client().get(api["Location"]).status_code == HTTPStatus.OK

    # A's page (cached before) shows what came from B at once; lists show B no more.
    page = Client().get(a.get_absolute_url()).content.decode()
    assert BODY in page and "A classic interview question." in page
    listing = Client().get(reverse("questions:list")).content.decode()
    assert "Explain vanishing gradients" not in listing
    assert (
        b.get_absolute_url()
        not in Client().get("/sitemap-questions.xml").content.decode()
    )

    entry = AuditLogEntry.objects.get(action=AuditLogEntry.Action.MERGE)
    assert entry.actor == moderator and entry.target_id == b.pk
    assert f"into question {a.pk}" in entry.reason


def test_a_members_two_cards_become_one_equal_to_a_rebuild(moderator_client, pair):
    a, b, _ = pair
    both, only_b = UserFactory(), UserFactory()
    history(both, a, [3, 3, 1, 3], start=NOW - timedelta(days=40))
    history(both, b, [1, 3, 4], start=NOW - timedelta(days=35), every=timedelta(days=5))
    history(only_b, b, [3, 2], start=NOW - timedelta(days=20))
    only_b_card = Card.objects.get(user=only_b)
    log_ids = set(Review.objects.filter(user=both).values_list("pk", flat=True))

    assert _merge(moderator_client, b, a).status_code == HTTPStatus.FOUND

    card = Card.objects.get(user=both)  # one card left
    assert card.question_id == a.pk
    reviews = list(Review.objects.filter(card=card))
    assert {r.pk for r in reviews} == log_ids  # the log is kept whole, re-pointed
    rebuilt = rebuild_card(card, reviews)
    for name in FIELDS:
        expected = getattr(rebuilt, name)
        if isinstance(expected, float):
            expected = pytest.approx(expected)
        assert getattr(card, name) == expected, name
    assert card.review_count == 7
    moved = Card.objects.get(user=only_b)
    assert (moved.pk, moved.question_id, moved.review_count) == (
        only_b_card.pk,
        a.pk,
        2,
    )


def test_merge_refusals(moderator_client, pair):
    a, b, _ = pair
    url = reverse("moderation:question-merge", args=[b.pk])
    for target, message in (
        (str(b.pk), "merged into itself"),
        ("9999999", "no question with that number"),
        ("not a question", "number or its address"),
    ):
        response = moderator_client.post(url, {"target": target, "confirm": "True"})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert message in response.content.decode()
    # By address works too; a merged question can't be merged again or be a target.
    response = moderator_client.post(
        url, {"target": f"https://example.org{a.get_absolute_url()}", "confirm": "True"}
    )
    assert response.status_code == HTTPStatus.FOUND
    c = QuestionFactory()
    response = moderator_client.post(
        reverse("moderation:question-merge", args=[c.pk]), {"target": str(b.pk)}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert (
        moderator_client.get(
            reverse("moderation:question-merge", args=[b.pk])
        ).status_code
        == HTTPStatus.NOT_FOUND
    )


def test_merging_into_b_after_b_went_into_a_keeps_redirects_one_hop(moderator, pair):
    a, b, _ = pair
    c = QuestionFactory()
    question_merge(source=c, target=b, by=moderator)
    question_merge(source=b, target=a, by=moderator)
    assert Question.objects.get(pk=c.pk).merged_into_id == a.pk
    response = Client().get(c.get_absolute_url())
    assert response["Location"] == a.get_absolute_url()


# Closing and reopening.


def test_close_and_reopen_show_on_the_page_and_in_lists(moderator_client):
    question = QuestionFactory(title="Which laptop should I buy for deep learning?")
    url = question.get_absolute_url()
    Client().get(url)
    Client().get(reverse("questions:list"))
    form = moderator_client.get(
        reverse("moderation:question-close", args=[question.pk])
    )
    assert (
        form.status_code == HTTPStatus.OK and "Why close it?" in form.content.decode()
    )
    response = moderator_client.post(
        reverse("moderation:question-close", args=[question.pk]),
        {"reason": CloseReason.OFF_TOPIC, "note": "Shopping advice."},
    )
    assert response.status_code == HTTPStatus.FOUND
    page = Client().get(url).content.decode()
    assert "Closed: off-topic." in page and "Shopping advice." in page
    member = Client()
    member.force_login(UserFactory(trusted=True))
    member_page = member.get(url).content.decode()
    assert "takes no new answers" in member_page
    assert 'name="body"' not in member_page.split('id="your-answer"')[1]
    assert "[closed]" in Client().get(reverse("questions:list")).content.decode()

    # A member who wrote meanwhile is refused, and gets their text back.
    text = "Any laptop with a recent GPU works for small models and notebooks."
    refused = member.post(
        reverse("questions:answer-create", args=[question.pk]), {"body": text}
    )
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert text in refused.content.decode()
    assert not Answer.objects.filter(question=question).exists()

    assert (
        moderator_client.post(
            reverse("moderation:question-reopen", args=[question.pk])
        ).status_code
        == HTTPStatus.FOUND
    )
    assert "Closed:" not in Client().get(url).content.decode()
    assert 'name="body"' in member.get(url).content.decode()
    assert "[closed]" not in Client().get(reverse("questions:list")).content.decode()
    actions = list(
        AuditLogEntry.objects.filter(
            target_type="question", target_id=question.pk
        ).values_list("action", flat=True)
    )
    assert sorted(actions) == ["close", "reopen"]


def test_close_as_duplicate_links_the_original(moderator_client):
    original, duplicate = QuestionFactory(), QuestionFactory()
    url = reverse("moderation:question-close", args=[duplicate.pk])
    missing = moderator_client.post(url, {"reason": CloseReason.DUPLICATE})
    assert missing.status_code == HTTPStatus.BAD_REQUEST
    assert "Say which question this one duplicates." in missing.content.decode()
    response = moderator_client.post(
        url,
        {"reason": CloseReason.DUPLICATE, "duplicate_of": original.get_absolute_url()},
    )
    assert response.status_code == HTTPStatus.FOUND
    page = Client().get(duplicate.get_absolute_url()).content.decode()
    assert "Closed as a duplicate." in page and original.get_absolute_url() in page
    assert "[duplicate]" in page
    # The original's new title shows on the duplicate's (cached) page at once.
    original.title = "What is the original question, reworded?"
    original.save()
    page = Client().get(duplicate.get_absolute_url()).content.decode()
    assert "What is the original question, reworded?" in page


def test_closed_question_page_query_count(django_assert_num_queries, moderator):
    from questions.services.curation import question_close

    original, question = QuestionFactory(), QuestionFactory()
    question_close(
        question=question,
        by=moderator,
        reason=CloseReason.DUPLICATE,
        duplicate_of=original,
    )
    client = Client()
    with django_assert_num_queries(5):
        assert client.get(question.get_absolute_url()).status_code == HTTPStatus.OK


def test_notes_and_list_places_follow_the_merge(moderator, pair):
    from practice.bookmarks import ListEntry, QuestionList, QuestionNote

    a, b, _ = pair
    member = UserFactory()
    both = QuestionList.objects.create(user=member, name="Deep learning")
    only_b = QuestionList.objects.create(user=member, name="To revise")
    for question in (a, b):
        ListEntry.objects.create(question_list=both, question=question)
        QuestionNote.objects.create(
            user=member, question=question, body=f"Note on {question.pk}."
        )
    ListEntry.objects.create(question_list=only_b, question=b)

    question_merge(source=b, target=a, by=moderator)

    assert list(both.entries.values_list("question_id", flat=True)) == [a.pk]
    assert list(only_b.entries.values_list("question_id", flat=True)) == [a.pk]
    (note,) = QuestionNote.objects.filter(user=member)
    assert note.question_id == a.pk
    assert note.body == f"Note on {a.pk}.\n\nNote on {b.pk}."
