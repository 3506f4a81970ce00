"""Are weak topics found fast and right? Simulated learners with known weak topics, driven through
the practice services the views call, the clock moved with time-machine (as the tests move it).

    .venv/bin/python bench/diagnosis_study.py                  # the full study (a few minutes)
    .venv/bin/python bench/diagnosis_study.py --learners 1     # a quick look while developing
    .venv/bin/python bench/diagnosis_study.py --out bench/results/2026-12-03-diagnosis.md

On a busy machine, run parts in parallel and pool them (the bound's threshold is set over each
cohort's learners, so parts are pooled before the table is made):

    for c in steady forgetful noisy; do for w in 0 1 3 5; do
      .venv/bin/python bench/diagnosis_study.py --cohorts $c --weak-counts $w \
          --records /tmp/study-$c-$w.pickle &
    done; done; wait
    .venv/bin/python bench/diagnosis_study.py --combine /tmp/study-*.pickle --out ...

It builds its own SQLite database (a temporary file: migrate, then the seed bank with
import_seeds), unless DATABASE_URL is set. Each learner practises one 20-card session a day in the
default mode (due reviews) for 30 days: `session_start`, then for each card `item_reveal` and
`review_record`, exactly as the views call them, with time-machine moving the clock between and
within sessions. After the session of days 7, 14 and 30 the engine's judgement
(`practice.mastery.topic_mastery` over `card_rows`, what the pages show) is compared with the
truth.

The learner model (the engine knows none of it): each topic is strong or weak for the learner.
A question is known at first sight with probability `first_sight` (strong or weak); once seen, a
card's memory has a stability S (days) and recall after t days is (1 + t / (9 S)) ** -1; a recall
multiplies S by `growth`, a failure divides it by 3; weak topics' stabilities are multiplied by
`weak_memory` (they are also forgotten faster). A recalled card is graded Good (80 %), Easy or
Hard (10 % each), a failure Again; with probability `noise` the grade says the opposite. Three
cohorts differ in memory and noise; learners have 0, 1, 3 or 5 weak topics among the bank's.

The reference (the "bound" column): with the simulator's own model, each topic's log-likelihood
ratio of weak against strong given every grade the learner gave (first sights and reviews, the
memory of each card followed under both hypotheses), and the threshold that keeps false alarms at
3 % of strong topics. No engine seeing the same grades can have a better recall at that false
alarm rate than this likelihood-ratio test (Neyman-Pearson), up to the noise in the memory path.
"""

import argparse
import math
import os
import pickle
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CARDS_PER_DAY = 20
DAYS = 30
CHECK_DAYS = (7, 14, 30)
WEAK_COUNTS = (0, 1, 3, 5)
FALSE_ALARM_BUDGET = 0.03
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Cohort:
    name: str
    first_sight_strong: float
    first_sight_weak: float
    first_stability: float  # days, once a question is known
    growth: float
    weak_memory: float
    noise: float


COHORTS = [
    Cohort("steady", 0.80, 0.35, 3.0, 2.5, 0.5, 0.03),
    Cohort("forgetful", 0.75, 0.35, 1.5, 2.0, 0.5, 0.05),
    Cohort("noisy", 0.75, 0.40, 2.5, 2.5, 0.6, 0.12),
]


@dataclass
class Memory:
    stability: float  # the true one
    last: datetime
    # The same card's stability under each hypothesis about its topic, following the grades
    # (for the likelihood-ratio reference).
    shadow: dict = field(default_factory=dict)


def recall(stability, elapsed_days):
    return (1 + elapsed_days / (9 * stability)) ** -1


class Learner:
    def __init__(self, cohort, weak_topics, rng):
        self.cohort = cohort
        self.weak = set(weak_topics)
        self.rng = rng
        self.memory = {}
        self.llr = defaultdict(
            float
        )  # topic -> log P(grades | weak) / P(grades | strong)

    def _observed(self, p_true):
        eps = self.cohort.noise
        return eps + (1 - 2 * eps) * p_true

    def _first_stability(self, known, weak):
        c = self.cohort
        s = c.first_stability if known else c.first_stability * 0.3
        return s * (c.weak_memory if weak else 1.0)

    def answer(self, question_id, topic_id, now):
        """The grade the learner gives (1-4), with the reference's bookkeeping."""
        c, rng = self.cohort, self.rng
        weak = topic_id in self.weak
        card = self.memory.get(question_id)
        if card is None:
            p_true = c.first_sight_weak if weak else c.first_sight_strong
            recalled = rng.random() < p_true
            p_given = {True: c.first_sight_weak, False: c.first_sight_strong}
        else:
            elapsed = (now - card.last).total_seconds() / 86400
            recalled = rng.random() < recall(card.stability, elapsed)
            p_given = {h: recall(s, elapsed) for h, s in card.shadow.items()}
        passed = recalled != (rng.random() < c.noise)
        likelihood = {
            h: self._observed(p) if passed else 1 - self._observed(p)
            for h, p in p_given.items()
        }
        self.llr[topic_id] += math.log(likelihood[True] / likelihood[False])
        if card is None:
            card = Memory(self._first_stability(recalled, weak), now)
            card.shadow = {h: self._first_stability(passed, h) for h in (True, False)}
            self.memory[question_id] = card
        else:
            card.stability = self._next(card.stability, recalled)
            card.shadow = {h: self._next(s, passed) for h, s in card.shadow.items()}
            card.last = now
        if not passed:
            return 1
        roll = rng.random()
        return 4 if roll < 0.1 else 2 if roll < 0.2 else 3

    def _next(self, stability, recalled):
        return stability * self.cohort.growth if recalled else max(0.05, stability / 3)


def setup_django(template=None):
    own_database = not os.environ.get("DATABASE_URL")
    ready = False
    if own_database:
        # In memory-backed /dev/shm when there is one: the study commits tens of thousands of
        # small transactions, and a throw-away database need not reach the disk.
        shm = Path("/dev/shm")
        folder = tempfile.mkdtemp(
            prefix="mlqa-study-", dir=shm if shm.is_dir() else None
        )
        database = Path(folder) / "study.sqlite3"
        if template and Path(template).exists():
            shutil.copyfile(template, database)
            ready = True
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlqa.settings")
    os.environ.pop("REDIS_URL", None)  # each run its own cache
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.backends.signals import connection_created

    if own_database:

        def no_sync(connection, **kwargs):
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous = OFF")

        connection_created.connect(no_sync, weak=False)

    if not ready:
        call_command("migrate", verbosity=0)
        call_command("import_seeds", verbosity=0)
        if own_database and template:
            shutil.copyfile(database, template)


def simulate(learner, user, bank_topics, on_check, days=DAYS):
    import time_machine

    from practice.models import SessionItem
    from practice.services import (
        NothingToPractise,
        item_reveal,
        review_record,
        session_start,
    )

    rng = learner.rng
    stats = Counter()
    for day in range(1, days + 1):
        moment = START + timedelta(days=day - 1, minutes=rng.randrange(0, 240))
        with time_machine.travel(moment, tick=False) as clock:
            try:
                session = session_start(user=user, mode="due", size=CARDS_PER_DAY)
            except NothingToPractise:
                session = None
            while session is not None:
                item = (
                    SessionItem.objects.filter(session=session, review__isnull=True)
                    .select_related("question")
                    .first()
                )
                if item is None:
                    break
                stats[item.reason] += 1
                clock.shift(timedelta(seconds=rng.randrange(20, 70)))
                from django.utils import timezone

                rating = learner.answer(
                    item.question_id, item.question.topic_id, timezone.now()
                )
                item_reveal(item=item, thought_through=True)
                clock.shift(timedelta(seconds=rng.randrange(3, 10)))
                review_record(item=item, rating=rating)
            if day in CHECK_DAYS or day == days:
                from django.utils import timezone

                on_check(day, timezone.now(), stats)
    return stats


def judge(user, now):
    from practice.mastery import topic_mastery
    from practice.selectors import card_rows, practice_settings

    rows = card_rows(user)
    dr = practice_settings(user).desired_retention
    return topic_mastery(rows, desired_retention=dr, now=now), rows


def run(args):
    started = time.monotonic()
    setup_django(args.template)
    print(f"database ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
    from django.contrib.auth import get_user_model

    from practice.selectors import practice_settings, practisable_questions
    from questions.models import Topic

    topic_ids = list(Topic.objects.order_by("pk").values_list("pk", flat=True))
    sizes = Counter(practisable_questions().values_list("topic_id", flat=True))
    User = get_user_model()
    rng = random.Random(args.seed)
    records = []  # one per learner and check day
    started = time.monotonic()
    cohorts = [c for c in COHORTS if c.name in args.cohorts.split(",")]
    for cohort in cohorts:
        for weak_count in map(int, args.weak_counts.split(",")):
            for index in range(args.learners):
                # Weak topics among those the bank can show at least 3 questions of.
                eligible = [t for t in topic_ids if sizes[t] >= 3]
                weak = rng.sample(eligible, weak_count)
                learner = Learner(cohort, weak, random.Random(rng.random()))
                user = User.objects.create_user(
                    username=f"{cohort.name}-{weak_count}-{index}",
                    email=f"{cohort.name}-{weak_count}-{index}@example.com",
                )

                def on_check(day, now, stats, learner=learner, user=user):
                    mastery, rows = judge(user, now)
                    if args.verbose:
                        print(f"{user.username} day {day}", file=sys.stderr)
                        for t, e in sorted(mastery.items()):
                            print(
                                f"  {'W' if t in learner.weak else ' '} topic {t:2}: "
                                f"first {e.first_sights_passed}/{e.first_sights} reviews "
                                f"{e.reviews_recalled}/{e.retention_reviews} "
                                f"E {e.expected_failures:.2f} ratio {e.failure_ratio:.2f} "
                                f"P {e.weak_probability:.2f} pass {e.pass_rate:.2f} "
                                f"{e.status} llr {learner.llr.get(t, 0):.1f}",
                                file=sys.stderr,
                            )
                    tried = Counter(row["topic_id"] for row in rows)
                    records.append(
                        {
                            "cohort": learner.cohort.name,
                            "weak_count": len(learner.weak),
                            "day": day,
                            "weak": set(learner.weak),
                            "mastery": mastery,
                            "llr": dict(learner.llr),
                            "tried": tried,
                            "cards": len(rows),
                            # The raw evidence, to judge again offline (--rejudge).
                            "rows": rows,
                            "now": now,
                            "desired_retention": practice_settings(
                                user
                            ).desired_retention,
                            "reasons": Counter(stats),
                        }
                    )

                simulate(learner, user, topic_ids, on_check, days=args.days)
        print(
            f"cohort {cohort.name} done in {time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
    return records, topic_ids, sizes


def figures(records, topic_ids, sizes):
    """The issue's table per cohort and check day."""
    rows = []
    practisable = [t for t in topic_ids if sizes[t] >= 3]
    by_key = defaultdict(list)
    for r in records:
        by_key[(r["cohort"], r["day"])].append(r)
    for (cohort, day), group in sorted(
        by_key.items(), key=lambda kv: (kv[0][0], kv[0][1])
    ):
        top3 = []
        hits = weak_total = 0
        strong_flagged = strong_total = strong_judged = 0
        clean_flags = []
        for r in group:
            m = r["mastery"]
            flagged = {t for t, e in m.items() if e.is_weak}
            if r["weak_count"] >= 3:
                ranked = sorted(
                    m.values(), key=lambda e: (-e.is_weak, -e.weak_probability)
                )
                top = [e.topic_id for e in ranked[:3]]
                top3.append(sum(t in r["weak"] for t in top) / 3)
            hits += len(flagged & r["weak"])
            weak_total += len(r["weak"])
            strong = [t for t in topic_ids if t not in r["weak"]]
            strong_total += len(strong)
            strong_flagged += len(flagged - r["weak"])
            strong_judged += sum(1 for t in strong if t in m and m[t].has_enough_data)
            if not r["weak"]:
                clean_flags.append(len(flagged))
        # The likelihood-ratio reference at 3 % false alarms among strong topics.
        strong_llr = sorted(
            (
                r["llr"].get(t, 0.0)
                for r in group
                for t in topic_ids
                if t not in r["weak"]
            ),
            reverse=True,
        )
        allowed = int(FALSE_ALARM_BUDGET * len(strong_llr))
        threshold = strong_llr[allowed] if strong_llr else 0.0
        weak_llr = [r["llr"].get(t, 0.0) for r in group for t in r["weak"]]
        bound = (
            sum(1 for v in weak_llr if v > threshold) / len(weak_llr)
            if weak_llr
            else None
        )
        first_week = [r for r in group if r["day"] == 7]
        tried_all = (
            sum(all(r["tried"][t] >= 1 for t in practisable) for r in first_week)
            / len(first_week)
            if first_week
            else None
        )
        reasons = Counter()
        for r in group:
            reasons.update(r["reasons"])
        shown = sum(reasons.values())
        rows.append(
            {
                "cohort": cohort,
                "day": day,
                "learners": len(group),
                "top3": sum(top3) / len(top3) if top3 else None,
                "top3_all": sum(1 for v in top3 if v == 1) / len(top3)
                if top3
                else None,
                "recall": hits / weak_total if weak_total else None,
                "bound": bound,
                "false_alarms": strong_flagged / strong_total,
                "false_alarms_judged": strong_flagged / strong_judged
                if strong_judged
                else 0,
                "clean": sum(clean_flags) / len(clean_flags) if clean_flags else None,
                "new": sum(r["cards"] for r in group) / len(group),
                "due_share": reasons["due"] / shown if shown else 0,
                "relearn_share": reasons["relearn"] / shown if shown else 0,
                "tried_all_first_week": tried_all,
            }
        )
    return rows


def fmt(value, pattern="{:.2f}"):
    return "–" if value is None else pattern.format(value)


def table(rows):
    lines = [
        "| cohort | day | learners | top-3 precision (all 3 right) | recall | bound (LR test, 3 % FA) "
        "| strong flagged (of judged) | flags, no weak topic | cards seen | due / relearn share "
        "| every topic tried by day 7 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['cohort']} | {r['day']} | {r['learners']} | {fmt(r['top3'])} "
            f"({fmt(r['top3_all'])}) | {fmt(r['recall'])} | {fmt(r['bound'])} "
            f"| {fmt(r['false_alarms'], '{:.1%}')} ({fmt(r['false_alarms_judged'], '{:.1%}')}) "
            f"| {fmt(r['clean'])} | {r['new']:.0f} "
            f"| {r['due_share']:.0%} / {r['relearn_share']:.0%} "
            f"| {fmt(r['tried_all_first_week'], '{:.0%}')} |"
        )
    return "\n".join(lines)


def verdict(rows):
    """Issue 14's targets, cohort by cohort: which hold, with the figure and the bound."""
    lines = [
        "",
        "| cohort | recall day 14 >= 0.85 (bound) | top-3 precision day 30 >= 0.90 "
        "| strong flagged <= 3 % (worst day) | flags, no weak topic <= 0.2 (worst day) "
        "| every topic tried in week 1 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for cohort in sorted({r["cohort"] for r in rows}):
        mine = {r["day"]: r for r in rows if r["cohort"] == cohort}

        def mark(ok):
            return "yes" if ok else "**no**"

        day14, day30, day7 = mine.get(14), mine.get(max(mine)), mine.get(7)
        recall = day14 and day14["recall"]
        top3 = day30 and day30["top3"]
        alarms = max(r["false_alarms"] for r in mine.values())
        cleans = [r["clean"] for r in mine.values() if r["clean"] is not None]
        clean = max(cleans) if cleans else None
        tried = day7 and day7["tried_all_first_week"]
        lines.append(
            f"| {cohort} "
            f"| {fmt(recall)} ({fmt(day14 and day14['bound'])}): "
            f"{mark(recall is not None and recall >= 0.85)} "
            f"| {fmt(top3)}: {mark(top3 is not None and top3 >= 0.9)} "
            f"| {alarms:.1%}: {mark(alarms <= 0.03)} "
            f"| {fmt(clean)}: {mark(clean is not None and clean <= 0.2)} "
            f"| {fmt(tried, '{:.0%}')}: {mark(tried == 1)} |"
        )
    return "\n".join(lines)


def combine(args):
    # The records hold practice.mastery's estimates: unpickling them imports the app.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlqa.settings")
    import django

    django.setup()
    records, parts, days, seeds = [], [], set(), set()
    for path in args.combine:
        with open(path, "rb") as saved:
            part, topic_ids, sizes, options = pickle.load(saved)
        records.extend(part)
        days.add(options["days"])
        seeds.add(options["seed"])
        parts.append(
            f"{options['cohorts']}/{options['weak_counts']} x{options['learners']}"
        )
    rows = figures(records, topic_ids, sizes)
    text = table(rows) + "\n" + verdict(rows)
    load = os.getloadavg()
    footer = (
        f"\nPooled from {len(parts)} parts (cohort/weak counts x learners each: "
        f"{', '.join(sorted(parts))}); {'/'.join(map(str, sorted(days)))} days of "
        f"{CARDS_PER_DAY}-card sessions, seed {'/'.join(map(str, sorted(seeds)))}; "
        f"load average when pooled {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}."
    )
    print(text)
    print(footer)
    if args.out:
        Path(args.out).write_text(text + "\n" + footer + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--learners", type=int, default=4, help="per cohort and weak count"
    )
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--verbose", action="store_true", help="every topic's estimate")
    parser.add_argument(
        "--cohorts", default=",".join(c.name for c in COHORTS), help="comma-separated"
    )
    parser.add_argument("--weak-counts", default=",".join(map(str, WEAK_COUNTS)))
    parser.add_argument("--out", help="also write the table (Markdown) to this file")
    parser.add_argument(
        "--records", help="also save this run's records (a pickle) for --combine"
    )
    parser.add_argument(
        "--template",
        help="a migrated, seeded SQLite file to copy (made here, once, if missing): parts "
        "started together skip the 30-90 s of migrate and import_seeds",
    )
    parser.add_argument(
        "--combine",
        nargs="+",
        metavar="PICKLE",
        help="no simulation: pool the records of parts run with --records",
    )
    args = parser.parse_args()
    started = time.monotonic()
    if args.combine:
        return combine(args)
    records, topic_ids, sizes = run(args)
    if args.records:
        with open(args.records, "wb") as saved:
            pickle.dump((records, topic_ids, sizes, vars(args)), saved)
    rows = figures(records, topic_ids, sizes)
    text = table(rows) + "\n" + verdict(rows)
    elapsed = time.monotonic() - started
    print(text)
    load = os.getloadavg()
    footer = (
        f"\n{args.learners} learner(s) per cohort ({args.cohorts}) and weak count "
        f"({args.weak_counts}), {args.days} days of {CARDS_PER_DAY}-card sessions, "
        f"seed {args.seed}, {len(topic_ids)} topics; {elapsed:.0f} s, load average "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}."
    )
    print(footer)
    if args.out:
        Path(args.out).write_text(text + "\n" + footer + "\n")


if __name__ == "__main__":
    main()
