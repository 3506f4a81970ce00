"""Fit members' own FSRS parameters from their review logs (practice.fitting)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q

from practice.fitting import MIN_REVIEWS, parameters_fit


class Command(BaseCommand):
    help = (
        "Fit the FSRS parameters of every member with enough reviews "
        f"({MIN_REVIEWS}) who has a fit due, or of the members named."
    )

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="*", help="only these members")
        parser.add_argument(
            "--force",
            action="store_true",
            help="fit again even without enough new reviews since the last fit",
        )

    def handle(self, *args, usernames, force, **options):
        members = get_user_model().objects.annotate(
            review_total=Count(
                "practice_reviews",
                filter=Q(practice_reviews__voided_at__isnull=True),
            )
        )
        if usernames:
            members = members.filter(username__in=usernames)
            missing = set(usernames) - set(members.values_list("username", flat=True))
            if missing:
                raise CommandError(f"No such member: {', '.join(sorted(missing))}")
        else:
            members = members.filter(review_total__gte=MIN_REVIEWS)
        fitted = 0
        for member in members.order_by("pk"):
            parameters = parameters_fit(user=member, force=force)
            if parameters is None:
                self.stdout.write(
                    f"{member.username}: no fit due ({member.review_total} reviews)"
                )
                continue
            fitted += 1
            before = parameters.calibration["before"]
            after = parameters.calibration["after"]
            self.stdout.write(
                f"{member.username}: version {parameters.version} from "
                f"{parameters.review_count} reviews; log loss "
                f"{before.get('log_loss', 0):.3f} -> {after.get('log_loss', 0):.3f}"
            )
        self.stdout.write(self.style.SUCCESS(f"{fitted} member(s) fitted"))
