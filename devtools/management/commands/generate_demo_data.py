from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devtools.demo_data import (
    SCALES,
    Counts,
    DemoDataError,
    generate_demo_data,
    reset_demo_data,
)

COUNT_OPTIONS = ("users", "questions", "answers", "votes", "comments", "reviews")


class Command(BaseCommand):
    help = (
        "Fill the database with generated members, questions, answers, votes, comments, flags, "
        "notifications and practice reviews around the imported bank (run import_seeds first). "
        "Members are demo-gen-NNNNN, password 'mlqa-demo-gen'. Development and benchmarks only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        for name in COUNT_OPTIONS:
            parser.add_argument(
                f"--{name}", type=int, help=f"Override the scale's number of {name}."
            )
        parser.add_argument(
            "--seed", type=int, default=1, help="Same seed and counts, same data."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete previously generated data first.",
        )
        parser.add_argument(
            "--delete-only", action="store_true", help="Only delete the generated data."
        )

    def handle(self, *args, scale, seed, reset, delete_only, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "Refusing to generate demo data with production settings (MLQA_PRODUCTION is set)."
            )
        if delete_only:
            reset_demo_data(self.stdout.write)
            return
        base = SCALES[scale]
        counts = Counts(**{name: options[name] if options[name] is not None else getattr(base, name)
                           for name in COUNT_OPTIONS})  # fmt: skip
        if any(value < 0 for value in vars(counts).values()):
            raise CommandError("Counts can't be negative.")
        self.stdout.write(f"Generating {counts} with seed {seed}")
        try:
            generate_demo_data(counts, seed=seed, reset=reset, write=self.stdout.write)
        except DemoDataError as error:
            raise CommandError(str(error)) from error
