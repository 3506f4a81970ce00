from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0002_weak_topic_evidence"),
    ]

    operations = [
        migrations.AddField(
            model_name="card",
            name="reset_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="review",
            name="voided_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
