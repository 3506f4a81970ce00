"""The study plans shipped with the site, built from the question bank by `manage.py
load_study_plans` (run by `make setup-db` after the import): each section takes the first
practisable questions of some topics, easiest first. Safe to repeat: a plan that exists keeps
its questions (members follow it), one whose sections are empty is filled."""

from django.db import transaction

from .bookmarks import PlanItem, PlanSection, StudyPlan
from .selectors import practisable_questions

# slug: (title, description, [(section title, [(topic slug, how many questions)])])
SHIPPED_PLANS = {
    "ml-breadth-4-weeks": (
        "ML breadth in 4 weeks",
        "A week per area, the breadth a generalist ML interview covers: foundations, the "
        "classic models, evaluation and data, then ML in production.",
        [
            (
                "Week 1: foundations",
                [
                    ("ml-fundamentals", 5),
                    ("learning-paradigms", 3),
                    ("probability-statistics", 4),
                ],
            ),
            (
                "Week 2: models",
                [
                    ("linear-models", 5),
                    ("trees-ensembles", 5),
                    ("classical-models", 2),
                    ("clustering", 2),
                ],
            ),
            (
                "Week 3: evaluation and data",
                [
                    ("model-evaluation", 5),
                    ("data-preparation", 4),
                    ("regularization", 4),
                ],
            ),
            (
                "Week 4: systems",
                [
                    ("mlops", 4),
                    ("recommender-systems", 2),
                    ("time-series", 2),
                    ("experimentation", 2),
                ],
            ),
        ],
    ),
    "deep-learning-onsite": (
        "Deep learning onsite",
        "For a deep learning onsite: how networks learn, how to train them well, and the "
        "architectures for images, text and sequences.",
        [
            ("Neural network basics", [("neural-networks", 8)]),
            ("Training and optimisation", [("optimization", 6), ("regularization", 3)]),
            (
                "Architectures",
                [("computer-vision", 5), ("nlp", 5), ("transformers", 3)],
            ),
        ],
    ),
    "statistics-and-experiments": (
        "Statistics and experiments",
        "Probability, statistics, metrics and A/B tests: the questions a data-science screen asks.",
        [
            ("Probability and statistics", [("probability-statistics", 8)]),
            ("Metrics and evaluation", [("model-evaluation", 6)]),
            ("Experiments", [("experimentation", 2)]),
        ],
    ),
}


@transaction.atomic
def load_study_plans() -> list[str]:
    """Create the shipped plans that are missing, fill those left empty; report each."""
    lines = []
    for slug, (title, description, sections) in SHIPPED_PLANS.items():
        plan, created = StudyPlan.objects.get_or_create(
            slug=slug,
            defaults={"title": title, "description": description, "is_public": True},
        )
        if not created and PlanItem.objects.filter(section__plan=plan).exists():
            lines.append(f"{title}: kept as it is")
            continue
        plan.sections.all().delete()
        count = 0
        for position, (section_title, picks) in enumerate(sections, 1):
            section = PlanSection.objects.create(
                plan=plan, title=section_title, position=position
            )
            questions = []
            for topic_slug, how_many in picks:
                questions += list(
                    practisable_questions()
                    .filter(topic__slug=topic_slug)
                    .order_by("difficulty_rank", "dedup_key")
                    .values_list("pk", flat=True)[:how_many]
                )
            PlanItem.objects.bulk_create(
                PlanItem(section=section, question_id=pk, position=index)
                for index, pk in enumerate(questions, 1)
            )
            count += len(questions)
        lines.append(f"{title}: {count} questions in {len(sections)} sections")
    return lines
