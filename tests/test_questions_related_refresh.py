"""When the related lists are rebuilt: once per transaction however many writes ask for it,
after answers change (in a background job, many answers one rebuild), and the index each
rebuild stores, which proposals read on a bank too big to index in a request."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from questions import tasks
from questions.models import Question, RelatedQuestion, SimilaritySnapshot, Status
from questions.services import related
from questions.services.answers import answer_create
from questions.services.questions import question_edit
from tests.factories import QuestionFactory, UserFactory


def related_ids(question):
    return list(
        RelatedQuestion.objects.filter(question=question)
        .order_by("rank")
        .values_list("related_id", flat=True)
    )


@pytest.fixture
def counted_rebuilds(monkeypatch):
    calls = []
    rebuild = related.related_questions_rebuild

    def counting():
        calls.append(1)
        return rebuild()

    monkeypatch.setattr(related, "related_questions_rebuild", counting)
    return calls


@pytest.mark.django_db(transaction=True)
def test_many_question_writes_in_one_transaction_rebuild_once_after_it_commits(
    counted_rebuilds,
):
    moderator = UserFactory(moderator=True)
    first = QuestionFactory(title="What is dropout in neural networks?")
    second = QuestionFactory(title="How do we train decision trees?")
    third = QuestionFactory(title="What is a random forest?")
    with transaction.atomic():
        for question, title in [
            (second, "Why does dropout regularize neural networks?"),
            (third, "How does dropout work in a neural network?"),
        ]:
            question_edit(
                question=question,
                editor=moderator,
                title=title,
                body="",
                topic=question.topic,
                difficulty=question.difficulty,
            )
        assert counted_rebuilds == []  # not before the commit
    assert len(counted_rebuilds) == 1
    assert set(related_ids(first)) == {second.pk, third.pk}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_rebuilds_nothing(counted_rebuilds):
    moderator = UserFactory(moderator=True)
    question = QuestionFactory(title="What is dropout?")
    with pytest.raises(RuntimeError), transaction.atomic():
        question_edit(
            question=question,
            editor=moderator,
            title="What is dropout, really?",
            body="",
            topic=question.topic,
            difficulty=question.difficulty,
        )
        raise RuntimeError
    assert counted_rebuilds == []
    assert Question.objects.get(pk=question.pk).title == "What is dropout?"


@pytest.mark.django_db(transaction=True)
def test_answers_queue_one_rebuild_job_per_transaction_and_it_uses_their_words():
    first = QuestionFactory(title="Quasar telescopes?")
    second = QuestionFactory(title="Walrus migrations?")
    QuestionFactory(title="Zebra stripes?")
    related.related_questions_rebuild()
    author = UserFactory(trusted=True)
    words = "Backpropagation applies the chain rule through every layer of weights."
    with transaction.atomic():
        answer_create(question=first, author=author, body=words)
        answer_create(question=second, author=UserFactory(trusted=True), body=words)
    jobs = DBTaskResult.objects.filter(
        task_path__endswith="related_questions_rebuild_job"
    )
    assert jobs.count() == 1
    requested_at = jobs.get().args_kwargs["args"][0]
    assert related_ids(first) == []  # not rebuilt in the request
    assert tasks.related_questions_rebuild_job.func(requested_at).endswith(
        "lists changed"
    )
    assert related_ids(first)[0] == second.pk
    # A job asked for before that rebuild began finds nothing left to do.
    assert (
        tasks.related_questions_rebuild_job.func(requested_at)
        == "already rebuilt since"
    )


@pytest.mark.django_db
def test_each_rebuild_stores_the_index_and_proposals_read_it_back():
    QuestionFactory(title="How does dropout regularize a neural network?")
    QuestionFactory(title="Why do decision trees overfit?")
    related.related_questions_rebuild()
    snapshot = SimilaritySnapshot.objects.get()
    assert snapshot.question_count == 2
    assert snapshot.format == related.SNAPSHOT_FORMAT
    index = related.stored_similarity_index()
    assert index is related.stored_similarity_index()  # read once per process
    found = index.query("dropout as a regularizer", k=1)
    assert Question.objects.get(pk=found[0][0]).title.startswith("How does dropout")
    # A copy in another code's format is not read.
    SimilaritySnapshot.objects.update(format=related.SNAPSHOT_FORMAT + 1)
    assert related.stored_similarity_index() is None


@pytest.mark.django_db
def test_a_question_published_after_the_stored_index_is_not_proposed_until_a_rebuild(
    monkeypatch,
):
    QuestionFactory(title="How does dropout regularize a neural network?")
    related.related_questions_rebuild()
    monkeypatch.setattr(related, "REBUILD_ON_SAVE_LIMIT", 1)
    newer = QuestionFactory(title="Why does dropout help neural networks generalize?")
    titles = [
        q.title for q in related.similar_questions(title="dropout in neural nets")
    ]
    assert newer.title not in titles and len(titles) == 1
    related.related_questions_rebuild()
    titles = [
        q.title for q in related.similar_questions(title="dropout in neural nets")
    ]
    assert newer.title in titles
    assert Question.objects.filter(status=Status.PUBLISHED).count() == 2
