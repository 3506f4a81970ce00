from django.db import migrations, models


STATUS = models.CharField(
    choices=[
        ("published", "Published"),
        ("pending", "Awaiting review"),
        ("hidden", "Hidden"),
        ("rejected", "Rejected"),
    ],
    default="published",
    editable=False,
    max_length=10,
)


class Migration(migrations.Migration):
    """Edits awaiting review (issue 15): a revision's status, and one pending edit per post."""

    dependencies = [
        ("questions", "0008_related_questions"),
    ]

    operations = [
        migrations.AddField(model_name="answerrevision", name="status", field=STATUS),
        migrations.AddField(model_name="commentrevision", name="status", field=STATUS),
        migrations.AddField(model_name="questionrevision", name="status", field=STATUS),
        migrations.AddConstraint(
            model_name="answerrevision",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")),
                fields=("answer",),
                name="answerrevision_one_pending",
            ),
        ),
        migrations.AddConstraint(
            model_name="commentrevision",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")),
                fields=("comment",),
                name="commentrevision_one_pending",
            ),
        ),
    ]
