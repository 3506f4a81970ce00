from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from moderation.services import moderator_set


class Command(BaseCommand):
    help = "Grant or revoke the moderator role: manage.py moderator add|remove USERNAME"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["add", "remove"])
        parser.add_argument("username")

    def handle(self, *args, action, username, **options):
        try:
            user = User.objects.active().get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        moderator_set(user=user, is_moderator=action == "add")
        verb = "is now a moderator" if action == "add" else "is no longer a moderator"
        self.stdout.write(self.style.SUCCESS(f"{username} {verb}."))
