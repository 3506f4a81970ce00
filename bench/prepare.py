"""Django-side helpers of the benchmark, run against the bench database with the bench environment.

python bench/prepare.py setup  OUT.json   pages, signed-in sessions, vote and answer targets
python bench/prepare.py queries IN.json OUT.json   SQL queries per rendered page, bytes per served page
python bench/prepare.py verify IN.json SINCE   votes written since SINCE, counters consistent
"""

import json
import os
import random
import secrets
import sys
from datetime import datetime, timedelta
from pathlib import Path

# Not this folder (its bench.py would shadow the bench package): the checkout.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlqa.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, F, Q, Sum  # noqa: E402
from django.db.models.functions import Coalesce  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from devtools.demo_data.community import SHOWCASE_DEDUP_KEY, USERNAME_PREFIX  # noqa: E402
from questions.models import Answer, Question, Status, Topic, Vote  # noqa: E402
from questions.services.reputation import reputation_recompute  # noqa: E402

VOTERS = 500
VOTES_PER_VOTER = 38  # under the 40-a-day limit
ANSWER_AUTHORS = 300
ANSWERS_PER_AUTHOR = 19  # under the 20-an-hour rate limit
FIRST_VIEWS = 5000  # more than a 10 s run reads: every request a page nobody cached yet
ANSWER_TEXT = (
    "A benchmark answer: the gradient of the loss \\( L \\) tells us which way to move the weights, "
    "and the learning rate how far.\n\n```python\nw -= lr * grad\n```\n"
)


def _session(user):
    client = Client()
    client.force_login(user, backend="accounts.backends.CachedPermissionsBackend")
    csrf = secrets.token_hex(
        16
    )  # any 32-character secret works as cookie and header alike
    return {
        "cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}",
        "csrf": csrf,
    }


def setup(out):
    rng = random.Random(1)
    generated = User.objects.filter(
        username__startswith=USERNAME_PREFIX, groups__isnull=True
    )
    showcase = Question.objects.get(dedup_key=SHOWCASE_DEDUP_KEY)
    topic = Topic.objects.annotate(n=Count("questions")).order_by("-n").first()
    # The signed-in reader: a member with practice cards, signed in through the real log-in form
    # by bench.py; their practice session's current card is "practice next card".
    reader = (
        generated.annotate(n=Count("practice_cards"))
        .filter(n__gt=5)
        .order_by("pk")
        .first()
    )
    pages = {
        "trivial": "/_bench/trivial/",
        "home": "/",
        "question list": "/questions/",
        "list filtered": f"/questions/?topic={topic.slug}&difficulty=medium",
        "list sorted (votes)": "/questions/?sort=votes",
        "list sorted (answers)": "/questions/?sort=answers",
        "topic page": f"/questions/topics/{topic.slug}/",
        "question 20a/50c": showcase.get_absolute_url(),
        "search": "/questions/?q=gradient+descent",
        "search (rare)": "/questions/?q=perplexity+quantization",
    }
    signed_in = {}
    if reader is not None:
        from practice.models import Mode
        from practice.services import session_start

        session = session_start(user=reader, mode=Mode.DUE, size=50)
        signed_in = {
            # What a member reads rendered (no page cache for them): lists and the question page.
            "question list (member)": "/questions/",
            "question 20a/50c (member)": showcase.get_absolute_url(),
            "practice home": "/practice/",
            "practice next card": session.get_absolute_url(),
            "practice progress": "/practice/progress/",
        }
    # Voters: members with no vote in the last 24 hours, each voting on answers by others.
    recent = Vote.objects.filter(
        created_at__gte=timezone.now() - timedelta(hours=24)
    ).values("user")
    half = generated.count() // 2  # the other half writes the answers
    voters = list(generated.exclude(pk__in=recent).order_by("pk")[: min(VOTERS, half)])
    voter_ids = {u.pk for u in voters}
    targets = list(
        Answer.objects.filter(status=Status.PUBLISHED, author__username__startswith=USERNAME_PREFIX)
        .exclude(author__in=voter_ids).order_by("?").values_list("pk", flat=True)[: VOTES_PER_VOTER * 8]
    )  # fmt: skip
    votes = []
    for voter in voters:
        session = _session(voter)
        for answer_id in rng.sample(targets, min(VOTES_PER_VOTER, len(targets))):
            votes.append(
                {
                    **session,
                    "path": f"/questions/answers/{answer_id}/vote/",
                    "body": "value=1",
                }
            )
    rng.shuffle(votes)
    # Answer authors: trusted members (posts publish at once), not among the voters.
    authors = list(
        generated.filter(approved_post_count__gte=3, reputation__gte=15).exclude(pk__in=voter_ids)
        .order_by("-pk")[:ANSWER_AUTHORS]
    )  # fmt: skip
    question_ids = list(
        Question.objects.published().order_by("?").values_list("pk", flat=True)[:5000]
    )
    from urllib.parse import urlencode

    answers = []
    for author in authors:
        session = _session(author)
        for question_id in rng.sample(
            question_ids, min(ANSWERS_PER_AUTHOR, len(question_ids))
        ):
            body = urlencode(
                {"body": ANSWER_TEXT + f"\n\nNote {rng.randrange(10**6)}."}
            )
            answers.append(
                {**session, "path": f"/questions/{question_id}/answer/", "body": body}
            )
    rng.shuffle(answers)
    # Question pages the reader has never opened, for the row that reads each of them once.
    answered = list(
        Question.objects.published()
        .filter(answer_count__gte=5)
        .values_list("pk", flat=True)
    )
    first_views = [
        question.get_absolute_url()
        for question in Question.objects.filter(
            pk__in=rng.sample(answered, min(FIRST_VIEWS, len(answered)))
        ).only("pk", "slug")
    ]
    data = {
        "pages": pages,
        "signed_in_pages": signed_in,
        "first_views": first_views,
        "reader": reader.username if reader else None,
        "reader_id": reader.pk if reader else None,
        "votes": votes,
        "voter_ids": sorted(voter_ids),
        "answers": answers,
        "author_ids": [a.pk for a in authors],
    }
    Path(out).write_text(json.dumps(data))


@override_settings(PAGE_CACHE_SECONDS=60)
def _served_bytes(client, url):
    """The size of the page as the server sends it: from the page cache, as nearly always."""
    client.get(url)
    return len(client.get(url).content)


@override_settings(PAGE_CACHE_SECONDS=0)
def queries(data_path, out):
    """SQL queries per rendered page, in-process with the test client (second request, so the
    cached counts and permission sets are warm, as nearly every request finds them), and the
    bytes of the page as served (from the page cache)."""
    data = json.loads(Path(data_path).read_text())
    result = {}
    anonymous, reader = Client(), Client()
    if data["reader_id"]:
        reader.force_login(User.objects.get(pk=data["reader_id"]))
    pages = [(name, url, anonymous) for name, url in data["pages"].items()]
    pages += [(name, url, reader) for name, url in data["signed_in_pages"].items()]
    for name, url, client in pages:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        result[name] = {
            "queries": len(captured),
            "bytes": _served_bytes(client, url),
            "status": response.status_code,
        }
    for name, items in (("vote POST", data["votes"]), ("answer POST", data["answers"])):
        if not items:
            continue
        item = items[-1]
        client = Client(HTTP_HX_REQUEST="true") if name == "vote POST" else Client()
        for part in item["cookie"].split("; "):
            key, value = part.split("=", 1)
            client.cookies[key] = value
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                item["path"],
                data=dict(_form(item["body"])),
                HTTP_X_CSRFTOKEN=item["csrf"],
            )
        result[name] = {
            "queries": len(captured),
            "bytes": len(response.content),
            "status": response.status_code,
        }
        if name == "vote POST":  # undo, so that the load run can cast it again
            client.post(
                item["path"],
                data=dict(_form(item["body"])),
                HTTP_X_CSRFTOKEN=item["csrf"],
            )
    Path(out).write_text(json.dumps(result))


def _form(body):
    from urllib.parse import parse_qsl

    return parse_qsl(body)


def verify(data_path, since):
    """Votes the load wrote, and whether every counter still matches the rows."""
    data = json.loads(Path(data_path).read_text())
    since = datetime.fromisoformat(since)
    voted = Vote.objects.filter(user_id__in=data["voter_ids"], created_at__gte=since)
    answer_ids = {int(item["path"].split("/")[3]) for item in data["votes"]}
    drift = (
        Answer.objects.filter(pk__in=answer_ids)
        .annotate(total=Coalesce(Sum("votes__value"), 0))
        .exclude(score=F("total"))
        .count()
    )
    answers = Answer.objects.filter(
        author_id__in=data["author_ids"], created_at__gte=since
    )
    live = Q(
        answers__status=Status.PUBLISHED,
        answers__deleted_at__isnull=True,
        answers__source__isnull=True,
    )
    print(
        json.dumps(
            {
                "new_votes": voted.count(),
                "answers_with_score_drift": drift,
                "reputation_changed_by_recompute": reputation_recompute(),
                "new_answers": answers.count(),
                "new_answers_published": answers.filter(
                    status=Status.PUBLISHED
                ).count(),
                "questions_with_count_drift": Question.objects.filter(
                    pk__in=set(answers.values_list("question_id", flat=True))
                )
                .annotate(n=Count("answers", filter=live))
                .exclude(answer_count=F("n"))
                .count(),
            }
        )
    )


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"setup": setup, "queries": queries, "verify": verify}[command](*args)
