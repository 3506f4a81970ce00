import time

from django.core.management.base import BaseCommand

from questions.services.related import related_questions_rebuild


class Command(BaseCommand):
    help = (
        "Recompute every published question's related questions (TF-IDF cosine over title, "
        "body and answers). Safe to repeat; rewrites only the lists that changed. Run it from "
        "cron on a bank too big to rebuild on every question save."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        report = related_questions_rebuild()
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Related questions: {report.questions} questions indexed, "
                f"{report.changed} lists changed ({report.rows} rows written) in {seconds:.1f} s."
            )
        )
