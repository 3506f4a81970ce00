"""The practice test helpers themselves: histories they build are what the other tests assume."""

from datetime import timedelta

import pytest

from practice.models import Card, Review
from tests.practice_factories import NOW, bulk_history, history, practisable_question


@pytest.mark.django_db
def test_grade_builds_a_card_and_its_log(user):
    question = practisable_question()
    history(user, question, [3, 3], start=NOW - timedelta(days=10))
    card = Card.objects.get(user=user, question=question)
    assert card.review_count == 2
    assert card.reviews.count() == 2
    assert question.has_reference_answer


@pytest.mark.django_db
def test_bulk_history_spreads_reviews_over_the_cards(user):
    questions = [practisable_question() for _ in range(3)]
    bulk_history(user, questions, reviews=30)
    assert Review.objects.filter(user=user).count() == 30
    assert sorted(Card.objects.values_list("review_count", flat=True)) == [10, 10, 10]
