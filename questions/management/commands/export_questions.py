import json
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db.models import Prefetch

from questions.models import Question, QuestionSource


def question_record(question: Question) -> dict:
    """One line of the export: a question, where it comes from and how it is answered."""
    return {
        "id": question.pk,
        "title": question.title,
        "topic": question.topic.slug,
        "difficulty": question.difficulty,
        "kind": question.kind,
        "sources": [
            {"document": link.source.filename, "line": link.line}
            for link in question.source_links.all()
        ],
        "has_reference_answer": question.has_reference_answer,
        "answer_count": question.answer_count,
        "url": question.get_absolute_url(),
    }


class Command(BaseCommand):
    help = "Write the question bank as JSON Lines, one object per question, to stdout or --output FILE."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", type=Path, help="File to write instead of stdout."
        )

    def handle(self, *args, output=None, **options):
        links = QuestionSource.objects.select_related("source").order_by(
            "source__filename", "line"
        )
        questions = (
            Question.objects.select_related("topic")
            .prefetch_related(Prefetch("source_links", queryset=links))
            .order_by("pk")
        )
        stream = output.open("w", encoding="utf-8") if output else None
        try:
            for question in questions.iterator(chunk_size=500):
                line = json.dumps(question_record(question), ensure_ascii=False)
                if stream:
                    stream.write(line + "\n")
                else:
                    self.stdout.write(line)
        finally:
            if stream:
                stream.close()
        if output:
            self.stderr.write(f"Wrote {questions.count()} questions to {output}")
