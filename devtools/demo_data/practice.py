"""Practice cards and their review logs, when the practice app's models exist.

Each card's stored state is produced by `practice.scheduling.apply_review` over its generated
reviews in order, exactly as the practice services do, so rebuilding a card from its log gives
the stored card back.
"""

import random
from datetime import UTC, datetime, timedelta

from django.apps import apps

from .allocate import allocate, distinct_picks, quota

USERS_PER_CHUNK = 200
PRACTISING_SHARE = 0.4
REVIEWS_PER_CARD = 4
RETENTION = 0.9
# Grades by how well a card is known: a weak card is failed more often.
RATINGS = (1, 2, 3, 4)
RATING_WEIGHTS = {
    "weak": (30, 25, 40, 5),
    "ok": (12, 18, 55, 15),
    "strong": (4, 8, 60, 28),
}


def practice_models():
    """(Card, Review, apply_review), or None while the practice app is not there yet."""
    if not apps.is_installed("practice"):
        return None
    try:
        from practice.models import Card, Review
        from practice.scheduling import apply_review
    except ImportError:
        return None
    return Card, Review, apply_review


class PracticeGenerator:
    def __init__(self, world, question_ids, reviews):
        self.w = world
        self.question_ids = question_ids  # every published question, in pk order
        self.reviews = reviews
        self.Card, self.Review, self.apply_review = practice_models()

    def chunks(self):
        w = self.w
        card_id = w.base["card"] + 1
        review_id = w.base["review"] + 1
        for u0 in range(0, w.users, USERS_PER_CHUNK):
            u1 = min(w.users, u0 + USERS_PER_CHUNK)
            rng = random.Random(f"{w.seed}:practice:{u0}")
            total = quota(self.reviews, u0, u1, w.users)
            weights = [
                rng.lognormvariate(0, 1.0) if rng.random() < PRACTISING_SHARE else 0.0
                for _ in range(u0, u1)
            ]
            rows = {"card": [], "review": []}
            for offset, count in enumerate(allocate(total, weights)):
                card_id, review_id = self._user(
                    rng, u0 + offset, count, card_id, review_id, rows
                )
            yield rows

    def _user(self, rng, user_index, count, card_id, review_id, rows):
        if count == 0:
            return card_id, review_id
        w = self.w
        user_id = w.user_id(user_index)
        n_cards = min(len(self.question_ids), max(1, count // REVIEWS_PER_CARD))
        per_card = allocate(count, [rng.random() + 0.2 for _ in range(n_cards)])
        picks = distinct_picks(rng, len(self.question_ids), n_cards)
        now = datetime.fromtimestamp(w.now, UTC)
        for question_index, n_reviews in zip(picks, per_card, strict=True):
            if n_reviews == 0:
                continue
            first = now - timedelta(days=rng.uniform(1, 300))
            card = self.Card(
                pk=card_id,
                user_id=user_id,
                question_id=self.question_ids[question_index],
                due=first,
                created_at=first,
            )
            weights = RATING_WEIGHTS[rng.choice(("weak", "ok", "ok", "strong"))]
            at = first
            for n in range(n_reviews):
                rating = rng.choices(RATINGS, weights)[0]
                before = self.apply_review(
                    card, rating=rating, reviewed_at=at, desired_retention=RETENTION
                )
                rows["review"].append(
                    (review_id, user_id, card_id, rating, at, rng.randrange(5_000, 300_000),
                     before, RETENTION, "")
                )  # fmt: skip
                review_id += 1
                if n + 1 < n_reviews:
                    at = self._next_time(rng, card, at, now, n_reviews - n - 1)
            rows["card"].append(
                (card.pk, user_id, card.question_id, card.state, card.step, card.stability,
                 card.difficulty, card.due, card.last_review, card.review_count, card.lapse_count,
                 card.recent_weight, card.recent_pass_weight, card.created_at, card.first_passed,
                 card.retention_reviews, card.expected_lapses)
            )  # fmt: skip
            card_id += 1
        return card_id, review_id

    @staticmethod
    def _next_time(rng, card, at, now, remaining):
        """Around when the card fell due; early (as in a "weak topics" session) if time runs out."""
        wanted = at + max(
            timedelta(minutes=10), (card.due - at) * rng.uniform(0.6, 1.4)
        )
        latest = now - timedelta(hours=1)
        if wanted <= latest - timedelta(minutes=10 * remaining):
            return wanted
        room = (latest - at) / (remaining + 1)
        return at + max(timedelta(seconds=1), room * rng.uniform(0.5, 1.0))
