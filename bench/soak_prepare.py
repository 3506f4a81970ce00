"""Django-side helpers of the soak (bench/soak), run against the soak database with its environment.

python bench/soak_prepare.py setup OUT.json    pages, signed-in sessions and the writes to send
python bench/soak_prepare.py counts            rows of the tables the soak writes to (JSON)

The members are the generated ones (demo-gen-NNNNN), spread so that no member reaches a rate limit:
each voter casts at most 38 votes (daily cap 40), each author posts at most 19 answers (20 an hour),
each commenter at most 29 comments (30 an hour). Sessions are made the way bench/prepare.py makes
them (force_login, a fixed CSRF secret as cookie and header).
"""

import json
import os
import random
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

# The checkout first and not this folder (its bench.py would shadow the bench package).
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlqa.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.prepare import ANSWER_TEXT, _session  # noqa: E402
from devtools.demo_data.community import SHOWCASE_DEDUP_KEY, USERNAME_PREFIX  # noqa: E402
from practice.models import Mode, Review  # noqa: E402
from practice.services import NothingToPractise, session_start  # noqa: E402
from questions.models import Answer, Comment, Question, Status, Topic, Vote  # noqa: E402

VOTERS, VOTES_PER_VOTER = 300, 38
AUTHORS, ANSWERS_PER_AUTHOR = 100, 19
COMMENTERS, COMMENTS_PER_COMMENTER = 100, 29
PRACTISERS = 150
SEARCHES = [
    "gradient descent", "overfitting", "bias variance", "regularization", "neural network",
    "random forest", "cross validation", "perplexity", "precision recall", "batch normalization",
    "logistic regression", "attention", "dropout", "kmeans", "decision tree",
]  # fmt: skip
COMMENT_TEXTS = [
    "Good point about the learning rate; a schedule helps too.",
    "Could you add a small example? It would make this clearer.",
    "This matches what I was asked in my last interview.",
    "I think the second step needs the data to be standardised first.",
    "See also the chapter on regularisation in ESL: https://hastie.su.domains/ElemStatLearn/",
]


def setup(out):
    rng = random.Random(8)
    generated = User.objects.filter(
        username__startswith=USERNAME_PREFIX,
        groups__isnull=True,
        is_active=True,
        suspended_until__isnull=True,
    ).order_by("pk")
    # Voters: no vote in the last 24 hours (the daily cap), so reruns take fresh members.
    recent = Vote.objects.filter(
        created_at__gte=timezone.now() - timedelta(hours=24)
    ).values("user")
    voters = list(generated.exclude(pk__in=recent)[:VOTERS])
    taken = {u.pk for u in voters}
    trusted = generated.filter(approved_post_count__gte=3, reputation__gte=15)
    authors = list(trusted.exclude(pk__in=taken).order_by("-pk")[:AUTHORS])
    taken |= {u.pk for u in authors}
    commenters = list(generated.exclude(pk__in=taken).order_by("-pk")[:COMMENTERS])
    taken |= {u.pk for u in commenters}
    practisers = list(
        generated.exclude(pk__in=taken)
        .annotate(n=Count("practice_cards"))
        .order_by("-n", "pk")[: PRACTISERS + 1]
    )
    probe, practisers = practisers[0], practisers[1:]

    answers = Answer.objects.filter(
        status=Status.PUBLISHED,
        deleted_at__isnull=True,
        author__username__startswith=USERNAME_PREFIX,
    )
    vote_targets = list(
        answers.exclude(author__in=[u.pk for u in voters])
        .order_by("?")
        .values_list("pk", flat=True)[:3000]
    )
    comment_targets = list(answers.order_by("?").values_list("pk", flat=True)[:2000])
    sample = list(Question.objects.published().order_by("?").only("pk", "slug")[:3000])
    questions = [q.pk for q in sample]
    question_urls = [q.get_absolute_url() for q in sample[:1000]]
    showcase = Question.objects.get(dedup_key=SHOWCASE_DEDUP_KEY)
    topics = list(
        Topic.objects.annotate(n=Count("questions"))
        .filter(n__gt=0)
        .values_list("slug", flat=True)
    )

    votes = []
    for voter in voters:  # member by member: a voter's 38 votes come one after another
        session = _session(voter)
        for answer_id in rng.sample(vote_targets, VOTES_PER_VOTER):
            value = "1" if rng.random() < 0.8 else "-1"
            path = f"/questions/answers/{answer_id}/vote/"
            votes.append({**session, "path": path, "body": f"value={value}"})
    posts = []
    for author in authors:
        session = _session(author)
        for question_id in rng.sample(questions, ANSWERS_PER_AUTHOR):
            text = ANSWER_TEXT + f"\n\nSoak note {rng.randrange(10**6)}."
            path = f"/questions/{question_id}/answer/"
            posts.append({**session, "path": path, "body": urlencode({"body": text})})
    comments = []
    for commenter in commenters:
        session = _session(commenter)
        for n in range(COMMENTS_PER_COMMENTER):
            if n % 4 == 3:
                path = f"/questions/{rng.choice(questions)}/comments/"
            else:
                path = f"/questions/answers/{rng.choice(comment_targets)}/comments/"
            text = f"{rng.choice(COMMENT_TEXTS)} (soak {rng.randrange(10**6)})"
            comments.append(
                {**session, "path": path, "body": urlencode({"body": text})}
            )
    practice = []
    for member in practisers:
        try:
            started = session_start(user=member, mode=Mode.DUE, size=50)
        except NothingToPractise:
            continue
        practice.append(
            {
                **_session(member),
                "session": started.pk,
                "path": started.get_absolute_url(),
            }
        )

    reads = ["/", "/questions/", "/questions/?sort=answers", "/questions/?status=needs-answer",
             "/questions/?difficulty=hard", "/questions/?page=2"]  # fmt: skip
    reads += [f"/questions/?topic={slug}" for slug in topics[:10]]
    reads += [f"/questions/topics/{slug}/" for slug in topics[:10]]
    data = {
        "reads": reads,
        "questions": question_urls + [showcase.get_absolute_url()],
        "searches": ["/questions/?" + urlencode({"q": q}) for q in SEARCHES],
        "readers": [item["cookie"] for item in practice[:50]],
        "votes": votes,
        "answers": posts,
        "comments": comments,
        "practice": practice,
        "probe": probe.username,
        "members": {
            "voters": len(voters),
            "authors": len(authors),
            "commenters": len(commenters),
            "practisers": len(practice),
        },
    }
    Path(out).write_text(json.dumps(data))


def counts():
    print(
        json.dumps(
            {
                "answers": Answer.objects.count(),
                "votes": Vote.objects.count(),
                "comments": Comment.objects.count(),
                "practice reviews": Review.objects.count(),
            }
        )
    )


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"setup": setup, "counts": counts}[command](*args)
