"""The Markdown renderer's worst cases: hostile inputs at the largest size a member may send.

    .venv/bin/python bench/render_worst_case.py              # table on stdout
    .venv/bin/python bench/render_worst_case.py --write      # also bench/results/<date>-render-<commit>.md
    .venv/bin/python bench/render_worst_case.py --old        # the same inputs through Python-Markdown
                                                             # (the renderer before issue 15; slow)

Each input is rendered `--repeat` times (default 5) and the CPU time (process time, so another
process's load doesn't count) of the slowest repeat is reported, with its time per 1,000
characters. Issue 15's target: every input of the allowed size under 100 ms. The run fails
(exit 1) when one is over `--bound` ms (default 100). The inputs are what made Python-Markdown
quadratic (runs of `[`), and what could do the same to a CommonMark parser or to this module's
own passes: emphasis and link runs, nested lists and quotes, backtick runs, unclosed HTML,
math delimiters without their closers, bare URLs with trailing punctuation, and fenced code in
every highlighted language.
"""

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlqa.settings")

SIZE = 30_000  # ANSWER_MAX_LENGTH: the preview, answers and edits are cut or refused above it


def _fill(unit, size=SIZE):
    return (unit * (size // len(unit) + 1))[:size]


def inputs(size=SIZE):
    """(name, text) pairs, each `size` characters long."""
    half = size // 2
    cases = [
        ("`[` run", "[" * size),
        ("`[` then `]` runs", "[" * half + "]" * (size - half)),
        ("`[a](` run", _fill("[a](", size)),
        ("`![` run", _fill("![", size)),
        ("`]( ` run", _fill("](", size)),
        ("`*` run", "*" * size),
        ("`*a` alternating", _fill("*a", size)),
        ("`_a` alternating", _fill("_a", size)),
        ("`**a*` mixed", _fill("**a*", size)),
        ("`~` run", "~" * size),
        ("`^a` run", _fill("^a", size)),
        ("backtick run", "`" * size),
        ("backtick ladder", "".join("`" * n + "a" for n in range(1, 300))[:size]),
        ("nested list", "".join("  " * n + "- a\n" for n in range(200))[:size]),
        ("nested quotes", ">" * size),
        ("nested lists on one line", "- " * (half - 1) + "a"),
        ("nested ordered lists", _fill("1. ", size - 1) + "a"),
        ("quotes and lists", _fill("> - ", size - 1) + "a"),
        ("emphasis around a word", "*" * (half - 1) + "a" + "*" * (half - 1)),
        ("raw `<div>` nesting", _fill("<div>", size)),
        ("raw `<blockquote>` nesting", _fill("<blockquote>", size)),
        ("raw tags on one line", "<p>" + _fill("<b><i>", size - 3)),
        ("list markers", _fill("- ", size)),
        ("unclosed HTML", _fill("<a ", size)),
        ("HTML comments", _fill("<!--", size)),
        ("HTML attributes", "<div " + _fill('a="', size - 5)),
        ("entities", _fill("&#", size)),
        ("`\\(` run", _fill("\\(", size)),
        ("`\\(` then `\\)`", _fill("\\(", half) + _fill("\\)", size - half)),
        ("`\\(` and blank lines", _fill("\\(\n\n", size - 2) + "\\)"),
        ("`$$` lines", _fill("$$\n", size)),
        ("`\\[` paragraphs", _fill("\\[\n\n", size)),
        ("`\\begin{a}` paragraphs", _fill("\\begin{a}\nx\n\n", size)),
        ("math inside code", "`" + _fill("\\(x\\)", size - 2) + "`"),
        ("bare URL with `)`", "http://a.b/" + ")" * (size - 11)),
        ("bare URL with `(`", "https://a.b/" + "(" * (size - 12)),
        ("e-mail-like run", _fill("a.", size)),
        ("`@` run", _fill("a@", size)),
        ("`www.` run", _fill("www.", size)),
        ("table of many columns", "|" + "a|" * 3000 + "\n|" + "-|" * 3000 + "\n"),
        ("table rows", "|a|b|\n|-|-|\n" + _fill("|x|y|\n", size - 12)),
        ("link reference definitions", _fill("[a]: http://a.b\n", size)),
        ("backslash run", "\\" * size),
        ("line breaks", _fill("a  \n", size)),
        ("control characters", _fill("\x00\x01\x1b", size)),
        ("prose with code and math", _fill("Some *text* with `code`, \\(x^2\\) and [a link](https://example.com).\n\n", size)),
    ]  # fmt: skip
    from questions.markdown import HIGHLIGHT_MAX_BLOCK, HIGHLIGHTED_LANGUAGES

    # Blocks of the largest size that is highlighted, as many as fit: the highlighting budget
    # decides how many are.
    for language in sorted(HIGHLIGHTED_LANGUAGES):
        fence = f"```{language}\n"
        body = _fill("a = \"'\\(`[{<!--/*#$ (x) ", HIGHLIGHT_MAX_BLOCK)
        block = f"{fence}{body}\n```\n\n"
        cases.append((f"code: {language}", _fill(block, size)))
    return cases


def measure(render, text, repeat):
    worst = 0.0
    for _ in range(repeat):
        start = time.process_time()
        render(text)
        worst = max(worst, time.process_time() - start)
    return worst


def old_renderer():
    """Python-Markdown with the extensions the renderer used before issue 15 (for comparison)."""
    import markdown

    extensions = [
        "tables", "sane_lists", "toc", "pymdownx.arithmatex", "pymdownx.highlight",
        "pymdownx.superfences", "pymdownx.tilde", "pymdownx.magiclink",
    ]  # fmt: skip
    return lambda text: markdown.Markdown(extensions=extensions).convert(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--bound", type=float, default=100.0, help="ms; exit 1 above it"
    )
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--write", action="store_true", help="write bench/results/")
    parser.add_argument("--old", action="store_true", help="Python-Markdown instead")
    parser.add_argument("--only", help="only inputs whose name contains this")
    args = parser.parse_args()

    import django

    django.setup()
    from questions.markdown import render_markdown

    render = old_renderer() if args.old else render_markdown
    # Each lexer's first use in a process compiles its regular expressions (once per worker and
    # language: up to 0.3 s for the biggest); what is measured is every render after that.
    from questions.markdown import HIGHLIGHTED_LANGUAGES

    for language in HIGHLIGHTED_LANGUAGES:
        render(f"warm up: `code`, \\(x\\)\n\n```{language}\nx = 1\n```")
    rows = []
    for name, text in inputs(args.size):
        if args.only and args.only not in name:
            continue
        seconds = measure(render, text, args.repeat)
        rows.append((name, len(text), seconds))
        print(f"{name:32} {len(text):7,} chars {seconds * 1000:8.1f} ms", flush=True)
    worst = max(rows, key=lambda row: row[2])
    over = [row for row in rows if row[2] * 1000 > args.bound]
    print(
        f"worst: {worst[0]} {worst[2] * 1000:.1f} ms; over {args.bound:g} ms: {len(over)}"
    )
    if args.write:
        write_report(rows, args)
    return 1 if over else 0


def write_report(rows, args):
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    name = f"{datetime.date.today()}-render-{commit}{'-dirty' if dirty else ''}{'-old' if args.old else ''}.md"
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    lines = [
        f"# Markdown renderer, worst cases ({'Python-Markdown, before issue 15' if args.old else 'pulldown-cmark via pyromark'})",
        "",
        f"`bench/render_worst_case.py`, commit {commit}{' (dirty)' if dirty else ''}, "
        f"{os.cpu_count()} CPUs, load average {load}; CPU time of the slowest of {args.repeat} renders.",
        "",
        "| input | characters | ms (CPU) | ms per 1,000 characters |",
        "| --- | --- | --- | --- |",
    ]
    for input_name, size, seconds in rows:
        lines.append(
            f"| {input_name} | {size:,} | {seconds * 1000:.1f} | {seconds * 1e6 / size:.2f} |"
        )
    worst = max(rows, key=lambda row: row[2])
    lines += ["", f"Worst: {worst[0]}, {worst[2] * 1000:.1f} ms.", ""]
    path = ROOT / "bench" / "results" / name
    path.write_text("\n".join(lines))
    print(f"written: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
