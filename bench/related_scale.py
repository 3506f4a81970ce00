"""How the related-questions rebuild grows with the bank: the similarity index built from
synthetic questions written by the demo-data generator's text bank (the text of
`generate_demo_data`: about 60 ML terms, ten answers per question), without a database.

    .venv/bin/python bench/related_scale.py                 # 20,000 questions, 2,000 searches
    .venv/bin/python bench/related_scale.py --questions 100000 --searches 5000

Building the index is linear in the text; each neighbour search is bounded (QUERY_TERMS x
POSTING_LIMIT partial products, RESCORED exact cosines), so the whole rebuild at N questions is
the build plus N times the mean search. Prints both and the projection to 100,000 questions.
The generator's text is the worst case for the bound: every question draws from the same few
terms, so every posting is as long as it may be.
"""

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--searches", type=int, default=2_000)
    parser.add_argument("--answers", type=int, default=10, help="answers per question")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlqa.settings")
    import django

    django.setup()
    from devtools.demo_data.text import TextBank
    from questions.services.related import ANSWER_CHARACTERS
    from questions.similarity import Document, SimilarityIndex

    bank = TextBank()

    def documents():
        rng = random.Random(7)  # the same text on both passes
        for pk in range(1, args.questions + 1):
            title, body, _ = bank.question(rng)
            answers = "\n".join(bank.answer(rng)[0] for _ in range(args.answers))
            yield Document(pk, title, body, answers[:ANSWER_CHARACTERS])

    started = time.perf_counter()
    index = SimilarityIndex.build(documents)
    build = time.perf_counter() - started
    sample = random.Random(1).sample(range(1, args.questions + 1), args.searches)
    started = time.perf_counter()
    for pk in sample:
        index.neighbours(pk, 10, 0.05)
    search = (time.perf_counter() - started) / len(sample)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_question_build = build / args.questions
    print(
        f"{args.questions:,} questions: index built in {build:.1f} s "
        f"({per_question_build * 1000:.2f} ms a question), "
        f"a neighbour search {search * 1000:.2f} ms (mean of {len(sample):,}), "
        f"peak RSS {rss:.0f} MiB; whole rebuild ≈ {build + search * args.questions:.0f} s; "
        f"projected to 100,000 questions ≈ "
        f"{(per_question_build + search) * 100_000 / 60:.1f} min"
    )


if __name__ == "__main__":
    main()
