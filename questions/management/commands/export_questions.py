from pathlib import Path

from django.core.management.base import BaseCommand

from questions.export import export_lines
from questions.models import Question, QuestionStatus


class Command(BaseCommand):
    help = "Write the question bank as JSON Lines, one object per question, to stdout or --output FILE."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", type=Path, help="File to write instead of stdout."
        )

    def handle(self, *args, output=None, **options):
        stream = output.open("w", encoding="utf-8") if output else None
        try:
            for line in export_lines():
                if stream:
                    stream.write(line + "\n")
                else:
                    self.stdout.write(line)
        finally:
            if stream:
                stream.close()
        if output:
            count = Question.objects.exclude(status=QuestionStatus.MERGED).count()
            self.stderr.write(f"Wrote {count} questions to {output}")
