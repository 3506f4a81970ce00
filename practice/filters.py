"""The card browser's filters and sort orders (`/practice/cards/`), read from the query string."""

from datetime import timedelta

import django_filters
from django.db.models import F, OuterRef, Q, Subquery

from questions.models import Topic

from .models import Card, CardState, Review


class CardStatus:
    NEW = "new"
    LEARNING = "learning"
    REVIEW = "review"
    RELEARNING = "relearning"
    SUSPENDED = "suspended"
    BURIED = "buried"
    LEECH = "leech"
    CHOICES = [
        (NEW, "New (not graded, or forgotten)"),
        (LEARNING, "Learning"),
        (REVIEW, "Review"),
        (RELEARNING, "Relearning"),
        (SUSPENDED, "Suspended"),
        (BURIED, "Buried"),
        (LEECH, "Leeches"),
    ]


class Due:
    NOW = "now"
    WEEK = "week"
    LATER = "later"
    CHOICES = [
        (NOW, "Due now"),
        (WEEK, "Due within 7 days"),
        (LATER, "Due in more than 7 days"),
    ]


SORTS = (
    ("due", "due"),
    ("lapse_count", "lapses"),
    ("stability", "stability"),
    ("difficulty", "difficulty"),
    ("last_review", "last_review"),
    ("question__topic__name", "topic"),
)
SORT_LABELS = {
    "due": "Due date, soonest first",
    "-due": "Due date, latest first",
    "-lapses": "Most lapses",
    "stability": "Least stable first",
    "-stability": "Most stable first",
    "-difficulty": "Hardest first (FSRS difficulty)",
    "-last_review": "Reviewed most recently",
    "topic": "Topic",
}


class StableOrderingFilter(django_filters.OrderingFilter):
    """An order ending with the key, so that ties (cards graded together) keep their place
    from one page to the next."""

    def filter(self, qs, value):
        ordered = super().filter(qs, value)
        return ordered.order_by(*ordered.query.order_by, "pk") if value else ordered


class CardFilter(django_filters.FilterSet):
    """A member's cards by topic, status, due date and lapses, in the chosen order.

    `now` and the member's `leech_threshold` are given by the view: "due now" and "leech" depend
    on them."""

    topic = django_filters.ModelChoiceFilter(
        field_name="question__topic",
        queryset=Topic.objects.all(),
        to_field_name="slug",
        empty_label="All topics",
        label="Topic",
    )
    status = django_filters.ChoiceFilter(
        choices=CardStatus.CHOICES,
        method="filter_status",
        empty_label="Any state",
        label="State",
    )
    due = django_filters.ChoiceFilter(
        choices=Due.CHOICES, method="filter_due", empty_label="Any time", label="Due"
    )
    lapses = django_filters.NumberFilter(
        field_name="lapse_count",
        lookup_expr="gte",
        label="At least this many lapses",
        min_value=0,
        max_value=10_000,
    )
    sort = StableOrderingFilter(
        fields=SORTS,
        choices=list(SORT_LABELS.items()),
        empty_label="Due date, soonest first",
        label="Sort by",
    )

    class Meta:
        model = Card
        fields = []

    def __init__(self, *args, now, leech_threshold, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        self.leech_threshold = leech_threshold

    def filter_status(self, cards, name, value):
        now = self.now
        new = Q(last_review__isnull=True)
        return cards.filter(
            {
                CardStatus.NEW: new,
                CardStatus.LEARNING: ~new & Q(state=CardState.LEARNING),
                CardStatus.REVIEW: ~new & Q(state=CardState.REVIEW),
                CardStatus.RELEARNING: ~new & Q(state=CardState.RELEARNING),
                CardStatus.SUSPENDED: Q(suspended_at__isnull=False),
                CardStatus.BURIED: Q(buried_until__gt=now),
                CardStatus.LEECH: Q(lapse_count__gte=self.leech_threshold),
            }[value]
        )

    def filter_due(self, cards, name, value):
        practised = cards.filter(last_review__isnull=False)
        week = self.now + timedelta(days=7)
        if value == Due.NOW:
            return practised.filter(due__lte=self.now)
        if value == Due.WEEK:
            return practised.filter(due__lte=week)
        return practised.filter(due__gt=week)


def browsed_cards(user):
    """The member's cards with their question and topic, and the last grade that stands."""
    last_grade = (
        Review.objects.counted()
        .filter(card=OuterRef("pk"))
        .order_by("-reviewed_at", "-id")
        .values("rating")[:1]
    )
    return (
        Card.objects.filter(user=user)
        .select_related("question__topic")
        .annotate(last_rating=Subquery(last_grade))
        .order_by(F("due").asc(), "pk")
    )
