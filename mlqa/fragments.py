"""Template tags for cached parts of pages (loaded as `{% load fragments %}`, see settings).

{% cached_fragment obj %}...{% endcached_fragment %}
    The block's HTML from the cache. The view decides which objects' blocks may be shared
    between readers and looks their keys up in one round trip (mlqa.pagecache.fragments),
    setting `obj.fragment_key` and `obj.cached_fragment`; without a key the block is rendered
    as usual.

{% shared_part "name" %}...{% endshared_part %}
    A part of the layout (the title, the content, ...: see base.html) that is cached for members
    on pages decorated with mlqa.pagecache.member_page: recorded while the page renders, and
    served from the cache inside each member's own layout afterwards.

{% live_seconds moment "since"|"until" ["clock"] %}
    Whole seconds from `moment` to now (since) or from now to `moment` (until), never below
    zero, as a number or as a clock ("12:34"). In a shared part it is worked out again each
    time the part is served, so a cached page shows the time of the request, not of its first
    rendering. Not allowed in a cached fragment.

A shared block may hold forms: it is rendered with a placeholder for the CSRF token, which each
reader's own token replaces when it is served. It must not hold a <script> with the CSP nonce,
which differs per response (the sanitised Markdown and these templates have none).
"""

import re
import secrets

from django import template
from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.utils import timezone
from django.utils.safestring import mark_safe

from mlqa import pagecache

register = template.Library()

CSRF_PLACEHOLDER = "csrf-token-of-the-reader"
# Context variable: the list a shared part's live values are recorded into while it renders;
# inside a cached fragment, where live values are refused, _NOT_HERE.
LIVE_VALUES = "shared_part_live_values"
_NOT_HERE = object()


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


CSRF_SLOT = "csrf"  # a mark's slot name while compiling
_CSRF_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
# Random bytes below this (4 × 62) map evenly onto the token's 62 characters.
_EVEN_BYTES = 256 - 256 % len(CSRF_ALLOWED_CHARS)


def reader_csrf_token(request) -> str:
    """The token for this response's forms: what django.middleware.csrf.get_token returns (the
    reader's CSRF secret under a new random mask, so no two responses carry the same bytes),
    with the mask's randomness read from the system at once rather than a character at a time,
    and without sending the cookie again when the reader has it.

    Why: those were a fifth of a member's page served from the cache. Django makes a new or
    changed secret (and sends its cookie) itself; tests/test_mlqa_member_pages.py checks that
    Django takes these tokens."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or request.COOKIES.get(settings.CSRF_COOKIE_NAME) != secret:
        return get_token(request)
    count = len(CSRF_ALLOWED_CHARS)
    mask = []
    while len(mask) < CSRF_SECRET_LENGTH:
        mask += [
            CSRF_ALLOWED_CHARS[byte % count]
            for byte in secrets.token_bytes(2 * CSRF_SECRET_LENGTH)
            if byte < _EVEN_BYTES
        ]
    mask = mask[:CSRF_SECRET_LENGTH]
    cipher = [
        CSRF_ALLOWED_CHARS[(_CSRF_INDEX[s] + _CSRF_INDEX[m]) % count]
        for s, m in zip(secret, mask, strict=True)
    ]
    return "".join(mask + cipher)


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


def _render_shareable(nodelist, context, live=_NOT_HERE) -> str:
    """The block's HTML as it is stored: for every reader (a placeholder for the CSRF token),
    without the templates' indentation."""
    with context.push({"csrf_token": CSRF_PLACEHOLDER, LIVE_VALUES: live}):
        return collapse_whitespace(str(nodelist.render(context)))


def _for_this_reader(html, context, live=()):
    # Only when there is a form: asking for the token marks the response as using it.
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, str(context.get("csrf_token")))
    return mark_safe(fill_live(html, live) if live else html)


class CachedFragmentNode(template.Node):
    def __init__(self, nodelist, target):
        self.nodelist = nodelist
        self.target = target

    def render(self, context):
        obj = self.target.resolve(context)
        key = getattr(obj, "fragment_key", None)
        if key is None:
            return self.nodelist.render(context)
        html = getattr(obj, "cached_fragment", None)
        if html is None:
            html = _render_shareable(self.nodelist, context)
            pagecache.fragment_store(key, html)
        return _for_this_reader(html, context)


@register.tag
def cached_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(
            "{% cached_fragment obj %} takes one argument"
        )
    nodelist = parser.parse(("endcached_fragment",))
    parser.delete_first_token()
    return CachedFragmentNode(nodelist, parser.compile_filter(bits[1]))


class SharedPartNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        request = context.get("request")
        cached = getattr(request, pagecache.CACHED_PARTS, None)
        if cached is not None:  # a hit: the layout around parts made for this reader
            return mark_safe(cached.get(self.name, ""))
        recording = getattr(request, pagecache.RECORDED_PARTS, None)
        if recording is None:
            return self.nodelist.render(context)
        live = recording.setdefault(pagecache.LIVE_PART, [])
        html = recording[self.name] = _render_shareable(self.nodelist, context, live)
        return _for_this_reader(html, context, live)


@register.tag
def shared_part(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "'\"":
        raise template.TemplateSyntaxError('{% shared_part "name" %} takes a name')
    nodelist = parser.parse(("endshared_part",))
    parser.delete_first_token()
    return SharedPartNode(nodelist, bits[1][1:-1])


class LiveSecondsNode(template.Node):
    def __init__(self, moment, direction, form):
        self.moment = moment
        self.direction = direction
        self.form = form

    def render(self, context):
        moment = self.moment.resolve(context)
        if moment is None:
            return ""
        live = context.get(LIVE_VALUES)
        if live is _NOT_HERE:
            raise template.TemplateSyntaxError(
                "{% live_seconds %} can't be in a cached fragment: its value would be cached."
            )
        if live is None:  # not in a shared part: the page is rendered for this request
            return live_text(self.direction, moment, self.form, timezone.now())
        marker = f"\x00live-{secrets.token_hex(8)}\x00"
        live.append((marker, self.direction, moment, self.form))
        return marker


@register.tag
def live_seconds(parser, token):
    bits = token.split_contents()
    words = [bit.strip("'\"") for bit in bits[2:]]
    if (
        len(bits) not in (3, 4)
        or words[0] not in ("since", "until")
        or words[1:] not in ([], ["clock"])
    ):
        raise template.TemplateSyntaxError(
            '{% live_seconds moment "since"|"until" ["clock"] %}'
        )
    return LiveSecondsNode(
        parser.compile_filter(bits[1]), words[0], words[1] if words[1:] else "seconds"
    )
