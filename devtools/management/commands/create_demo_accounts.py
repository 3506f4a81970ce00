from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from moderation.services import moderator_set

# Development only: these passwords are printed and published in the README.
DEMO_ACCOUNTS = [
    {
        "username": "demo-moderator",
        "email": "moderator@example.com",
        "password": "mlqa-moderator",
        "moderator": True,
    },
    {
        "username": "demo-user",
        "email": "user@example.com",
        "password": "mlqa-demo-user",
        "moderator": False,
    },
]


class Command(BaseCommand):
    help = "Create a demo moderator and a demo user if absent and print their credentials (development only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "Refusing to create demo accounts with production settings (MLQA_PRODUCTION is set)."
            )
        for spec in DEMO_ACCOUNTS:
            created = self._ensure(spec)
            role = "moderator" if spec["moderator"] else "user     "
            state = "created" if created else "exists "
            self.stdout.write(
                f"  demo {role} ({state}): {spec['username']} / {spec['password']}  <{spec['email']}>"
            )

    @transaction.atomic
    def _ensure(self, spec):
        user, created = User.objects.get_or_create(
            username=spec["username"], defaults={"email": spec["email"]}
        )
        if created:
            user.set_password(spec["password"])
            user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=spec["email"], defaults={"verified": True, "primary": True}
        )
        if spec["moderator"]:
            moderator_set(user=user, is_moderator=True)
        return created
