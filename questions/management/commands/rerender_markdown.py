from django.core.management.base import BaseCommand

from questions.services.rendering import stored_html_rerender


class Command(BaseCommand):
    help = (
        "Render every answer's and question's Markdown again and store the HTML where it "
        "changed (run once after a release that changes the renderer, such as issue 15's)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=500, help="rows read and written at a time"
        )

    def handle(self, *args, batch, **options):
        for model_name, checked, changed in stored_html_rerender(batch=batch):
            self.stdout.write(f"{model_name}: {checked:,} checked, {changed:,} changed")
        self.stdout.write(self.style.SUCCESS("Stored HTML is up to date."))
