from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from questions.importer import SeedImportError, import_seeds


class Command(BaseCommand):
    help = (
        "Import the seed documents (default: the ones shipped in questions/seed_data) into topics, "
        "questions and reference answers. Safe to repeat: a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="*",
            type=Path,
            help="Seed documents to import instead of the shipped ones.",
        )

    def handle(self, *args, paths, **options):
        try:
            report = import_seeds(paths or None)
        except SeedImportError as exc:
            raise CommandError(f"Nothing was imported. {exc}") from exc
        *lines, last = report.lines()
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(last))
