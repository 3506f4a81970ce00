# The weak-topic evidence on cards (first grade passed, retention reviews, expected lapses), filled
# in by replaying each card's review log; a failed card may be shown again in its session.

from django.db import migrations, models


def fill_evidence(apps, schema_editor):
    # The scheduling code of today replays the log: the same function keeps the fields up after
    # this migration, so the replayed values are exactly what new reviews would have produced.
    from practice.scheduling import apply_review

    Card = apps.get_model("practice", "Card")
    Review = apps.get_model("practice", "Review")
    batch = []
    cards = Card.objects.filter(review_count__gt=0).order_by("pk")
    for card in cards.iterator(chunk_size=2000):
        fresh = Card(pk=card.pk, user_id=card.user_id, question_id=card.question_id)
        reviews = Review.objects.filter(card_id=card.pk).order_by("reviewed_at", "pk")
        for review in reviews.only("rating", "reviewed_at", "desired_retention"):
            apply_review(
                fresh,
                rating=review.rating,
                reviewed_at=review.reviewed_at,
                desired_retention=review.desired_retention,
            )
        card.first_passed = fresh.first_passed
        card.retention_reviews = fresh.retention_reviews
        card.expected_lapses = fresh.expected_lapses
        batch.append(card)
        if len(batch) >= 2000:
            Card.objects.bulk_update(
                batch, ["first_passed", "retention_reviews", "expected_lapses"]
            )
            batch = []
    Card.objects.bulk_update(batch, ["first_passed", "retention_reviews", "expected_lapses"])


class Migration(migrations.Migration):

    dependencies = [
        ("practice", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="card",
            name="first_passed",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="card",
            name="retention_reviews",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="card",
            name="expected_lapses",
            field=models.FloatField(default=0.0),
        ),
        migrations.RunPython(fill_evidence, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="sessionitem",
            name="reason",
            field=models.CharField(
                choices=[
                    ("due", "Due for review"),
                    ("weak", "New, from a weak topic"),
                    ("new", "New question"),
                    ("early", "Early review in a weak topic"),
                    ("mock", "Mock interview question"),
                    ("relearn", "Again, after a slip earlier in this session"),
                ],
                max_length=10,
            ),
        ),
        migrations.RemoveConstraint(
            model_name="sessionitem",
            name="sessionitem_question_once",
        ),
        migrations.AddConstraint(
            model_name="sessionitem",
            constraint=models.UniqueConstraint(
                condition=models.Q(("review__isnull", True)),
                fields=("session", "question"),
                name="sessionitem_question_open_once",
            ),
        ),
    ]
