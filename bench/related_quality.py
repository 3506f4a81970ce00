"""How good the related-question lists are, measured on hand-checked groups of the seed bank.

    .venv/bin/python bench/related_quality.py            # a fresh SQLite bank in a temp dir
    .venv/bin/python bench/related_quality.py --current  # the database of DATABASE_URL as it is
    .venv/bin/python bench/related_quality.py --verbose  # and every group with a miss

bench/data/related_groups.json lists groups of questions that say the same thing in other words
or are close neighbours (read off the four seed documents by hand; each member is named by the
document and line of its title, with the title as a check). The measure: over every member of
every group, the share of the other members that its page lists among its related questions
(the first five, as shown). A group of three where each lists both others scores 6/6.

Reworded duplicates merged into one question (questions/seed_data/merges.json) are credited on
the question they went into: such members count as that question, a group whose members all
went into one question has nothing left to measure (it is counted apart), and a merged member's
title is not checked against its question's.

The default run migrates an empty SQLite database in a temporary directory and runs the real
`import_seeds` (which rebuilds the lists), so it measures what a fresh `make run` shows.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ROOT / "bench" / "data" / "related_groups.json"


def setup_django(current: bool):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlqa.settings")
    if not current:
        directory = tempfile.mkdtemp(prefix="mlqa-related-")
        os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bank.sqlite3"
    import django

    django.setup()


def fresh_bank() -> dict:
    from django.core.management import call_command

    from questions.importer import import_seeds

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    import_seeds()
    return {"import_seconds": time.perf_counter() - started}


def measure(verbose: bool) -> dict:
    from questions.models import (
        RELATED_SHOWN,
        Question,
        QuestionSource,
        RelatedQuestion,
    )
    from questions.seeds.documents import load_merges
    from questions.services.related import related_questions_rebuild

    started = time.perf_counter()
    related_questions_rebuild()
    rebuild_seconds = time.perf_counter() - started

    at = {
        f"{filename}:{line}": question_id
        for filename, line, question_id in QuestionSource.objects.values_list(
            "source__filename", "line", "question_id"
        )
    }
    titles = dict(Question.objects.values_list("pk", "title"))
    groups = json.loads(GROUPS.read_text(encoding="utf-8"))["groups"]
    merged_away = {
        f"{member['document']}:{member['line']}"
        for entry in load_merges()
        for member in entry["merge"]
    }
    found = hits = complete = merged_groups = 0
    misses = []
    for group in groups:
        members = []
        for member in group["members"]:
            pk = at.get(member["source"])
            if pk is None or (
                titles[pk] != member["title"] and member["source"] not in merged_away
            ):
                sys.exit(
                    f"{group['name']}: no question {member} in the bank (stale list?)"
                )
            if pk not in members:  # a rewording merged into another member
                members.append(pk)
        if len(members) < 2:
            merged_groups += 1
            continue
        group_hits = 0
        for pk in members:
            shown = [link.related_id for link in RelatedQuestion.objects.shown_for(pk)][
                :RELATED_SHOWN
            ]
            others = [other for other in members if other != pk]
            found += len(others)
            group_hits += sum(1 for other in others if other in shown)
            for other in others:
                if other not in shown:
                    misses.append((group["name"], titles[pk], titles[other], shown))
        hits += group_hits
        complete += group_hits == len(members) * (len(members) - 1)
    if verbose:
        for name, title, other, shown in misses:
            print(f"- {name}: “{title}” does not list “{other}”; it lists:")
            for pk in shown:
                print(f"    {titles[pk]}")
    return {
        "groups": len(groups) - merged_groups,
        "groups_merged": merged_groups,
        "questions_in_groups": len(
            {m["source"] for group in groups for m in group["members"]}
        ),
        "pairs": found,
        "pairs_listed": hits,
        "measure": hits / found if found else 0.0,
        "groups_complete": complete,
        "rebuild_seconds": rebuild_seconds,
        "published_questions": Question.objects.published().count(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--current", action="store_true", help="use DATABASE_URL's database as it is"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="print every pair not listed"
    )
    args = parser.parse_args()
    setup_django(args.current)
    result = {} if args.current else fresh_bank()
    result.update(measure(args.verbose))
    print(
        f"{result['pairs_listed']}/{result['pairs']} pairs listed in the top 5: "
        f"{result['measure']:.3f} over {result['groups']} groups "
        f"(and {result['groups_merged']} merged into one question) "
        f"({result['questions_in_groups']} questions; {result['groups_complete']} groups "
        f"complete); rebuild of {result['published_questions']} questions "
        f"{result['rebuild_seconds']:.2f} s"
        + (
            f"; import_seeds {result['import_seconds']:.2f} s"
            if "import_seconds" in result
            else ""
        )
    )


if __name__ == "__main__":
    main()
