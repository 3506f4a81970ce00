from django.core.management.base import BaseCommand

from practice.study_plans import load_study_plans


class Command(BaseCommand):
    help = (
        "Create the study plans shipped with the site from the question bank (after "
        "import_seeds). Safe to repeat: existing plans keep their questions."
    )

    def handle(self, *args, **options):
        for line in load_study_plans():
            self.stdout.write(line)
