"""Compiled HTML: what the page cache stores (caching.pages) and how a reader's copy is put
together from it by joining bytes: slots for the reader's CSRF token, live time values and a
layout's parts; and templates' indentation collapsed."""

import re

from django.utils import timezone

CSRF_PLACEHOLDER = "csrf-token-of-the-reader"
CSRF_SLOT = "csrf"  # a mark's slot name while compiling


def clock(seconds):
    """Seconds as a countdown reads: 754 -> "12:34", 3725 -> "1:02:05"."""
    try:
        seconds = max(0, int(seconds))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def live_text(direction, moment, form, now) -> str:
    seconds = (now - moment if direction == "since" else moment - now).total_seconds()
    seconds = max(0, int(seconds))
    return clock(seconds) if form == "clock" else str(seconds)


def fill_live(html, live, now=None) -> str:
    """`html` with each live value's marker replaced by its text at `now`."""
    now = now or timezone.now()
    for marker, direction, moment, form in live:
        html = html.replace(marker, live_text(direction, moment, form, now))
    return html


def compile_html(html, live=(), slots=None) -> tuple:
    """`html` as segments to serve by joining bytes (`expand`), with slots for the reader's CSRF
    token, for each of `live` and for each mark of `slots` ({mark: slot name}, e.g. a layout's
    parts). A segment is UTF-8 text (bytes), text with the token between its pieces (a list of
    bytes: a page has a form per answer), a slot name (str) or a live value (a tuple)."""
    marks = {
        CSRF_PLACEHOLDER: CSRF_SLOT,
        **{
            marker: (direction, moment, form)
            for marker, direction, moment, form in live
        },
        **(slots or {}),
    }
    segments, run = [], [b""]
    for index, piece in enumerate(
        re.split("(" + "|".join(map(re.escape, marks)) + ")", html)
    ):
        if index % 2 == 0:
            run[-1] += piece.encode()
        elif marks[piece] == CSRF_SLOT:
            run.append(b"")
        else:
            segments += [run[0] if len(run) == 1 else run, marks[piece]]
            run = [b""]
    segments.append(run[0] if len(run) == 1 else run)
    return tuple(segments)


def expand(segments, out, *, csrf, now, parts=None) -> list:
    """Append the bytes of compiled `segments` to `out`: `csrf` (bytes) in the CSRF slots, the
    live values at `now`, and the compiled `parts` in the other slots."""
    for segment in segments:
        kind = type(segment)
        if kind is bytes:
            out.append(segment)
        elif kind is list:
            out.append(csrf.join(segment))
        elif kind is str:
            expand(parts.get(segment, ()), out, csrf=csrf, now=now)
        else:
            out.append(live_text(*segment, now).encode())
    return out


# Elements whose text keeps its line breaks and indentation (code blocks, form text, scripts).
_KEEPS_WHITESPACE = re.compile(
    r"<(pre|textarea|script|style)\b.*?</\1\s*>", re.S | re.I
)
_LINE_BREAK_RUN = re.compile(r"\s*\n\s*")


def collapse_whitespace(html) -> str:
    """`html` with each run of whitespace that holds a line break cut to that line break, except
    inside <pre>, <textarea>, <script> and <style>. A browser shows such a run as one space
    anyway; templates' indentation was a tenth of a question page, sent with every copy of it.
    (Nothing here styles other elements `white-space: pre`: `.diff`, on history pages, is not in
    a cached part.)"""
    pieces, start = [], 0
    for kept in _KEEPS_WHITESPACE.finditer(html):
        pieces += [_LINE_BREAK_RUN.sub("\n", html[start : kept.start()]), kept[0]]
        start = kept.end()
    pieces.append(_LINE_BREAK_RUN.sub("\n", html[start:]))
    return "".join(pieces)
