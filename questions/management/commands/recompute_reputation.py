from django.core.management.base import BaseCommand

from questions.services.reputation import reputation_recompute


class Command(BaseCommand):
    help = "Rebuild every member's reputation from votes and canonical marks; prints how many members changed."

    def handle(self, *args, **options):
        changed = reputation_recompute()
        noun = "member" if changed == 1 else "members"
        self.stdout.write(
            self.style.SUCCESS(f"Reputation recomputed: {changed} {noun} changed.")
        )
