"""Builders of practice histories shared by the practice tests (plus checks of the builders)."""

from datetime import UTC, datetime, timedelta

from django.urls import reverse

from practice.models import Card, Review
from practice.scheduling import apply_review
from tests.factories import AnswerFactory, QuestionFactory, SourceFactory, TopicFactory

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def practisable_question(**kwargs):
    """A question with a reference answer, so practice may offer it."""
    question = QuestionFactory(**kwargs)
    AnswerFactory(
        question=question,
        author=None,
        source=SourceFactory(),
        body=f"Reference answer number {question.pk}: the source document explains it well.",
    )
    question.refresh_from_db()
    return question


def make_bank():
    """Three questions with a canonical answer, a community answer and a reference answer."""
    topic = TopicFactory(name="Neural networks", slug="neural-networks")
    questions = [practisable_question(topic=topic) for _ in range(3)]
    for question in questions:
        AnswerFactory(
            question=question,
            is_canonical=True,
            body=f"CANONICAL answer to {question.pk}: the chain rule, layer by layer.",
        )
        AnswerFactory(
            question=question,
            body=f"COMMUNITY answer to {question.pk}: gradients flow backwards.",
        )
    return questions


def current_item(session):
    """The card a session shows now (its newest ungraded item)."""
    return (
        session.items.filter(review__isnull=True, skipped_at__isnull=True)
        .order_by("-position")
        .first()
    )


def urls_for(item):
    """The reveal and grade URLs of a session item."""
    args = (item.session_id, item.pk)
    return reverse("practice:reveal", args=args), reverse("practice:grade", args=args)


def grade(user, question, rating, at, *, attempt="", desired_retention=0.9):
    """Record one review without a session, as the grading service would."""
    card, _ = Card.objects.get_or_create(
        user=user, question=question, defaults={"due": at, "created_at": at}
    )
    before = apply_review(
        card, rating=rating, reviewed_at=at, desired_retention=desired_retention
    )
    card.save()
    return Review.objects.create(
        user=user,
        card=card,
        rating=rating,
        reviewed_at=at,
        duration_ms=20_000,
        retrievability=before,
        desired_retention=desired_retention,
        attempt=attempt,
    )


def history(user, question, ratings, *, start, every=timedelta(days=3)):
    """Grade `question` with each rating in turn, `every` apart from `start`."""
    reviews = []
    for index, rating in enumerate(ratings):
        reviews.append(grade(user, question, rating, start + index * every))
    return reviews


def bulk_history(user, questions, *, reviews, end=NOW, ratings=(3, 3, 2, 1, 3, 4)):
    """`reviews` reviews spread over `questions` and the year before `end`, in few queries.

    Cards are scheduled by the real FSRS code in memory; rows are written with bulk_create.
    """
    step = timedelta(days=365) / reviews
    cards = {
        q.pk: Card(user=user, question=q, due=end, created_at=end) for q in questions
    }
    rows = []
    for index in range(reviews):
        question = questions[index % len(questions)]
        card = cards[question.pk]
        at = end - timedelta(days=365) + index * step
        rating = ratings[index % len(ratings)]
        before = apply_review(
            card, rating=rating, reviewed_at=at, desired_retention=0.9
        )
        rows.append((question.pk, rating, at, before))
    # A question never reviewed has no card (it is new), as after the real services.
    Card.objects.bulk_create(c for c in cards.values() if c.review_count)
    saved = {c.question_id: c for c in Card.objects.filter(user=user)}
    Review.objects.bulk_create(
        [
            Review(
                user=user,
                card=saved[question_id],
                rating=rating,
                reviewed_at=at,
                duration_ms=15_000,
                retrievability=before,
                attempt="an attempt" if i % 4 == 0 else "",
            )
            for i, (question_id, rating, at, before) in enumerate(rows)
        ],
        batch_size=2000,
    )
