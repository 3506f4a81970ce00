"""Turn user-written Markdown (and plain-text comments) into safe HTML.

Callers store the result (``body_html``) when they save. Templates then print it
with ``|safe`` and never render Markdown themselves (STYLE.md section 10).
The choices, and the reasons for them:

- **Linear time.** Member text is parsed by pulldown-cmark (Rust, through
  ``pyromark``), a CommonMark parser built to be linear in its input: a run of
  30,000 ``[`` took Python-Markdown 30 s (its issue #798), which let one
  preview request stall a worker. Everything this module adds around the parser
  (setting math aside, linking bare URLs, writing the HTML) is one pass over the
  text or the events; ``bench/render_worst_case.py`` measures the worst inputs
  of the allowed size.
- **Math** is set aside before parsing (so Markdown never mangles TeX) and put
  back as ``<span class="arithmatex">\\(...\\)</span>`` or
  ``<div class="arithmatex">\\[...\\]</div>``, the output Python-Markdown's
  arithmatex gave. ``static/js/math.js`` runs KaTeX on these elements in the
  browser; without JavaScript the TeX is still readable. Inline math is
  ``\\( \\)`` only: dollars are common in prose (``$5/$10``). Display math is
  ``$$ $$``, ``\\[ \\]``, ``\\begin{env}`` or a fenced ``math`` block, each a
  paragraph of its own, so stray dollars stay text. Math delimiters inside code,
  link targets or raw HTML stay as they were written.
- **Code** blocks are highlighted by Pygments with CSS classes (our CSP has no
  ``style-src 'unsafe-inline'``; the colours are in ``static/css/pygments.css``),
  for the languages in ``HIGHLIGHTED_LANGUAGES`` (lexers the benchmark runs on
  hostile input); other languages are shown plain.
- Headings move down two levels (``#`` becomes ``<h3>``; anything past 6
  stays ``<h6>``). The page already uses ``<h1>`` for the title and ``<h2>`` for
  its sections, so user text can't look like the page title or break the
  outline. The allow-list therefore has only h3-h6.
- ``nh3`` then cleans the HTML with an explicit allow-list. Raw HTML in the
  Markdown is allowed, because the cleaner is what keeps the output safe.
  ``class`` is limited to the math, code and Pygments names, so users can't
  borrow site classes (buttons, alerts, fixed overlays) to fake the site's own
  UI. No ``style``, ``id`` or event handlers are kept. URL schemes are
  http/https/mailto. Every link gets ``rel="nofollow ugc noopener"``. Images
  must have an absolute http(s) ``src``, so a relative URL can't make the
  reader's browser send a same-origin GET request.
"""

import bisect
import functools
import html
import re

import nh3
import pyromark
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from .mathml import tex_to_mathml, with_mathml

LINK_REL = "nofollow ugc noopener"
URL_SCHEMES = {"http", "https", "mailto"}

# Fenced code in these languages (and their aliases) is highlighted; the benchmark feeds each
# lexer hostile input at the maximum size. Anything else is shown as plain code.
HIGHLIGHTED_LANGUAGES = {
    "python", "py", "python3", "pycon", "r", "sql", "bash", "sh", "shell", "json", "toml",
    "ini", "c", "cpp", "c++", "java", "scala", "go", "rust", "julia", "matlab", "text",
    "html", "xml", "css", "markdown", "md", "latex", "tex", "diff",
}  # fmt: skip

_OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH

_TAGS = {
    "p", "br", "hr", "blockquote", "pre", "code", "span", "div",
    "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "img",
    "em", "strong", "del", "sup", "sub",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
_ALIGN = {"align": {"left", "center", "right"}}
_PYGMENTS_CLASSES = {name for name in STANDARD_TYPES.values() if name}
_CLASSES = {
    "div": {"highlight", "arithmatex"},
    "span": {"arithmatex"} | _PYGMENTS_CLASSES,
}  # a tag not listed here keeps no class at all
_FORMATTER = HtmlFormatter(nowrap=True)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    absolute = value.strip().lower().startswith(("https://", "http://"))
    return None if tag == "img" and attribute == "src" and not absolute else value


def render_markdown(text: str, *, mathml: bool = True) -> str:
    """Render user Markdown, with math and code, to HTML that is safe to mark safe.

    Formulas are MathML where it can (questions/mathml.py); `mathml=False` leaves them all as
    TeX in arithmatex spans and divs, the stage before (what the tests of math parsing read)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # The private-use characters that mark set-aside math can't come from the member.
    text = text.translate(_MARKERS_OUT)
    maths = []
    text = _set_display_math_aside(text, maths)
    text = _set_inline_math_aside(text, maths)
    writer = _HtmlWriter(maths)
    sanitised = nh3.clean(
        writer.write(pyromark.events(text, options=_OPTIONS)),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        tag_attribute_values={"th": _ALIGN, "td": _ALIGN},
        allowed_classes=_CLASSES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )
    # After sanitising: the MathML is sanitised on its own allow-list, which members' raw HTML
    # never gets.
    return with_mathml(sanitised) if mathml else sanitised


# Math set aside: each formula becomes a marker (private-use characters around its number) that
# Markdown leaves alone, and is put back after parsing, as math in text, as written elsewhere.

_INLINE, _DISPLAY, _END = "\ue000", "\ue001", "\ue002"
_MARKERS_OUT = str.maketrans({_INLINE: "\ufffd", _DISPLAY: "\ufffd", _END: "\ufffd"})
_MARKER_RE = re.compile(f"([{_INLINE}{_DISPLAY}])([0-9]+){_END}")
_BLANK_LINE_RE = re.compile(r"\n[ \t]*(?=\n)")
_BEGIN_RE = re.compile(r"\\begin\{([a-zA-Z*]{1,30})\}")


def _set_display_math_aside(text, maths):
    """Replace each display formula that is a paragraph of its own by a marker line.

    Only the first line of a paragraph can open a formula, and the search for its end stops at
    the paragraph's end, so each line is looked at a bounded number of times."""
    lines = text.split("\n")
    out = []
    i, count = 0, len(lines)
    previous_blank = True
    while i < count:
        line = lines[i]
        stripped = line.strip()
        end = _display_end(lines, i) if previous_blank and stripped else None
        if end is None:
            out.append(line)
            previous_blank = not stripped
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        written = [line[len(indent) :]] + [
            _dedent(lines[j], len(indent)) for j in range(i + 1, end + 1)
        ]
        source = "\n".join(written)
        body = source.strip()
        if body.startswith(("$$", "\\[")):
            tex = "\\[" + body[2:-2] + "\\]"
        else:  # \begin{env} ... \end{env}
            tex = "\\[" + body + "\\]"
        maths.append((source, tex))
        out.append(f"{indent}{_DISPLAY}{len(maths) - 1}{_END}")
        previous_blank = False
        i = end + 1
    return "\n".join(out)


def _dedent(line, width):
    stripped = line.lstrip(" \t")
    return line[min(width, len(line) - len(stripped)) :]


def _display_end(lines, start):
    """The index of the line that closes a display formula opened on line `start`, or None."""
    first = lines[start].strip()
    if first.startswith("$$"):
        closing, shortest = "$$", 4
    elif first.startswith("\\["):
        closing, shortest = "\\]", 4
    elif match := _BEGIN_RE.match(first):
        closing = f"\\end{{{match.group(1)}}}"
        shortest = len(match.group(0)) + len(closing)
    else:
        return None
    count = len(lines)
    for j in range(start, count):
        stripped = lines[j].strip()
        if not stripped:
            return None
        if stripped.endswith(closing) and (j > start or len(stripped) >= shortest):
            after_blank = j + 1 == count or not lines[j + 1].strip()
            return j if after_blank else None
    return None


def _set_inline_math_aside(text, maths):
    """Replace each \\( ... \\) inside one paragraph by a marker, in one pass.

    The next closing delimiter is found once and reused while it lies ahead, and blank lines are
    looked up by bisection: a text of many openers without closers stays linear."""
    if "\\(" not in text:
        return text
    blank_lines = [m.start() for m in _BLANK_LINE_RE.finditer(text)]
    out = []
    position = 0
    search = 0
    next_close = -1
    while True:
        start = text.find("\\(", search)
        if start == -1:
            break
        if _escaped(text, start):
            search = start + 2
            continue
        if next_close < start + 2:
            next_close = text.find("\\)", start + 2)
            if next_close == -1:
                break
        blank = bisect.bisect_right(blank_lines, start)
        if blank < len(blank_lines) and blank_lines[blank] < next_close:
            search = blank_lines[blank] + 1
            continue
        source = text[start : next_close + 2]
        maths.append((source, source))
        out.append(text[position:start])
        out.append(f"{_INLINE}{len(maths) - 1}{_END}")
        position = search = next_close + 2
    out.append(text[position:])
    return "".join(out)


def _escaped(text, index):
    """Whether the character at `index` is escaped by an odd run of backslashes before it."""
    run = 0
    while index - run - 1 >= 0 and text[index - run - 1] == "\\":
        run += 1
    return run % 2 == 1


# Bare URLs and e-mail addresses in text become links (as Python-Markdown's magiclink did).
# Bounded repeats: no pattern can backtrack over more than a few dozen characters per position.
_AUTOLINK_RE = re.compile(
    r"(?P<url>\b(?:https?://|www\.)[^\s<>\"'`\ue000-\ue002]+)"
    r"|(?P<email>\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,6}\b)",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}*_~"
# H~2~O: one tilde on each side of a word is a subscript (as pymdownx.tilde made it; two are
# a strikethrough, which the parser reads). Bounded, so a run of tildes stays linear.
_SUBSCRIPT_RE = re.compile(r"(?<!~)~([^\s~]{1,100})~(?!~)")


def _plain(text):
    escaped = html.escape(text, quote=False)
    return _SUBSCRIPT_RE.sub(r"<sub>\1</sub>", escaped) if "~" in escaped else escaped


def _without_trailing_punctuation(url):
    """Drop sentence punctuation after a URL, but keep a ")" that closes a "(" inside it
    (Wikipedia links). The parentheses are counted once: a run of ")" stays linear."""
    opened, closed = url.count("("), url.count(")")
    end = len(url)
    while end and url[end - 1] in _TRAILING:
        if url[end - 1] == ")":
            if opened >= closed:
                break
            closed -= 1
        end -= 1
    return url[:end]


# Bounds that keep the sanitizer linear: html5ever (in nh3) takes time quadratic in the depth of
# nested blocks (6,000 nested <div> or <blockquote>: 170 ms). Markdown's containers (quotes,
# lists, items) deeper than this are written without their tags; raw HTML past this many tags
# is shown as text.
MAX_NESTING = 32
MAX_RAW_HTML_TAGS = 1_000
# Pygments' lexers are regular expressions, and some take time quadratic in an unclosed string
# or comment (30,000 characters of CSS: 0.8 s). A code block longer than this, and the blocks
# past this many characters in one text, are shown plain.
HIGHLIGHT_MAX_BLOCK = 2_000
HIGHLIGHT_BUDGET = 6_000

_SIMPLE_START = {
    "Paragraph": "<p>", "Emphasis": "<em>", "Strong": "<strong>",
    "Strikethrough": "<del>", "HtmlBlock": "",
}  # fmt: skip
_SIMPLE_END = {
    "Paragraph": "</p>\n", "Emphasis": "</em>", "Strong": "</strong>",
    "Strikethrough": "</del>", "TableRow": "</tr>\n", "HtmlBlock": "",
}  # fmt: skip
_BARE = {"SoftBreak": "\n", "HardBreak": "<br>\n", "Rule": "<hr>\n"}
_CONTAINERS = {"BlockQuote", "List", "Item"}


class _HtmlWriter:
    """Write pulldown-cmark's events as HTML, putting math back and highlighting code.

    One pass over the events; the common events (text, paragraphs, emphasis) take the short
    path in `write`, the rest go through `start` and `end`."""

    def __init__(self, maths):
        self.maths = maths
        self.out = []
        self.text = []  # consecutive text, linked and written as one piece
        self.links = 0  # inside how many links (no autolinks there)
        self.image_depth = 0  # inside an image: only its alt text is collected
        self.alt = []
        self.code = None  # (language, [text]) inside a code block
        self.containers = []  # for each open quote, list or item: whether its tags were written
        self.raw_tags = 0
        self.highlighted = 0
        self.table_alignments = []
        self.cell = 0
        self.in_head = False

    def write(self, events):
        out, text = self.out, self.text
        simple_start, simple_end, bare = _SIMPLE_START, _SIMPLE_END, _BARE
        for event in events:
            if type(event) is str:
                if text:
                    self.flush()
                if self.code is None and not self.image_depth:
                    out.append(bare.get(event, ""))
                continue
            kind = next(iter(event))
            value = event[kind]
            if self.code is not None or self.image_depth:
                self.inside(kind, value)
            elif kind == "Text":
                text.append(value)
            else:
                if text:
                    self.flush()
                if kind == "Start":
                    if type(value) is not str:
                        name = next(iter(value))
                        self.start(name, value[name])
                    elif value in simple_start:
                        out.append(simple_start[value])
                    else:
                        self.start(value, None)
                elif kind == "End":
                    if type(value) is not str:
                        name = next(iter(value))
                        self.end(name, value[name])
                    elif value in simple_end:
                        out.append(simple_end[value])
                    else:
                        self.end(value, None)
                elif kind == "Code":
                    out.append(
                        f"<code>{html.escape(self.raw(value), quote=False)}</code>"
                    )
                elif kind == "Html" or kind == "InlineHtml":
                    out.append(self.raw_html(value))
        if text:
            self.flush()
        html_text = "".join(out).strip("\n")
        # A display formula alone in its paragraph is a block of its own.
        return (
            html_text.replace('<p><div class="arithmatex">', '<div class="arithmatex">')
            .replace(f"</div>{_END}</p>", "</div>")
            .replace(_END, "")
        )

    # Text

    def flush(self):
        text = self.text
        joined = text[0] if len(text) == 1 else "".join(text)
        text.clear()
        self.out.append(self.text_html(joined))

    def text_html(self, text):
        if self.links or ("." not in text and ":" not in text):
            escaped = _plain(text)
        else:
            escaped = self.linked(text)
        if _INLINE in escaped or _DISPLAY in escaped:
            return self.math_back(escaped, as_math=True)
        return escaped

    def linked(self, text):
        pieces = []
        position = 0
        for match in _AUTOLINK_RE.finditer(text):
            url = _without_trailing_punctuation(match.group(0))
            if not url:
                continue
            pieces.append(_plain(text[position : match.start()]))
            if match.group("email"):
                href = "mailto:" + url
            elif url.lower().startswith("www."):
                href = "http://" + url
            else:
                href = url
            pieces.append(
                f'<a href="{html.escape(href)}">{html.escape(url, quote=False)}</a>'
            )
            position = match.start() + len(url)
        pieces.append(_plain(text[position:]))
        return "".join(pieces)

    def math_back(self, escaped, *, as_math):
        """Put set-aside math back into escaped HTML: as math, or as the text it was."""
        if _INLINE not in escaped and _DISPLAY not in escaped:
            return escaped

        def replace(match):
            index = int(match.group(2))
            if index >= len(self.maths):
                return ""
            source, tex = self.maths[index]
            if not as_math:
                return html.escape(source, quote=False)
            if match.group(1) == _INLINE:
                return (
                    f'<span class="arithmatex">{html.escape(tex, quote=False)}</span>'
                )
            # The marker after </div> lets write() lift the block out of its paragraph.
            return (
                f'<div class="arithmatex">{html.escape(tex, quote=False)}</div>{_END}'
            )

        return _MARKER_RE.sub(replace, escaped)

    def raw(self, text):
        """Text written as it was (code, raw HTML, URLs): math markers become their source."""
        if _INLINE not in text and _DISPLAY not in text:
            return text

        def replace(match):
            index = int(match.group(2))
            return self.maths[index][0] if index < len(self.maths) else ""

        return _MARKER_RE.sub(replace, text)

    def raw_html(self, value):
        """Raw HTML is passed to the sanitizer, up to MAX_RAW_HTML_TAGS tags; then shown as text."""
        self.raw_tags += value.count("<")
        if self.raw_tags > MAX_RAW_HTML_TAGS:
            return html.escape(self.raw(value), quote=False)
        return self.raw(value)

    # Inside a code block or an image

    def inside(self, kind, value):
        if self.code is not None:
            if kind == "Text":
                self.code[1].append(value)
            elif kind == "End":
                self.end_code()
            return
        if kind in ("Text", "Code"):
            self.alt.append(self.raw(value))
        elif kind == "Start" and _tag_name(value) == "Image":
            self.image_depth += 1
        elif kind == "End" and _tag_name(value) == "Image":
            self.image_depth -= 1
            if not self.image_depth:
                self.out.append(f'alt="{html.escape("".join(self.alt))}">')
                self.alt = []

    # Other tags

    def start(self, name, value):
        out = self.out
        if name in _CONTAINERS:
            written = len(self.containers) < MAX_NESTING
            self.containers.append(written)
            if not written:
                return
        if name == "Heading":
            out.append(f"<h{_demoted(value)}>")
        elif name == "BlockQuote":
            out.append("<blockquote>\n")
        elif name == "CodeBlock":
            language = ""
            if isinstance(value, dict) and "Fenced" in value:
                language = value["Fenced"]
            elif isinstance(value, (list, tuple)) and value and value[0] == "Fenced":
                language = value[1]
            self.code = (language.split()[0].lower() if language.strip() else "", [])
        elif name == "List":
            if value is None:
                out.append("<ul>\n")
            elif value == 1:
                out.append("<ol>\n")
            else:
                out.append(f'<ol start="{int(value)}">\n')
        elif name == "Item":
            out.append("<li>")
        elif name == "Table":
            self.table_alignments = list(value or ())
            out.append("<table>\n")
        elif name == "TableHead":
            self.in_head = True
            self.cell = 0
            out.append("<thead>\n<tr>\n")
        elif name == "TableRow":
            self.cell = 0
            out.append("<tr>\n")
        elif name == "TableCell":
            cell = "th" if self.in_head else "td"
            alignment = (
                self.table_alignments[self.cell]
                if self.cell < len(self.table_alignments)
                else "None"
            )
            if alignment in ("Left", "Center", "Right"):
                out.append(f'<{cell} align="{alignment.lower()}">')
            else:
                out.append(f"<{cell}>")
        elif name == "Link":
            self.links += 1
            href = self.raw(value["dest_url"])
            if value.get("link_type") == "Email" and not href.lower().startswith(
                "mailto:"
            ):
                href = "mailto:" + href
            title = value.get("title") or ""
            title_attribute = (
                f' title="{html.escape(self.raw(title))}"' if title else ""
            )
            out.append(f'<a href="{html.escape(href)}"{title_attribute}>')
        elif name == "Image":
            self.image_depth = 1
            title = value.get("title") or ""
            title_attribute = (
                f' title="{html.escape(self.raw(title))}"' if title else ""
            )
            out.append(
                f'<img src="{html.escape(self.raw(value["dest_url"]))}"{title_attribute} '
            )

    def end(self, name, value):
        out = self.out
        if name in _CONTAINERS and not (self.containers and self.containers.pop()):
            return
        if name == "Heading":
            level = value if isinstance(value, str) else None
            out.append(f"</h{_demoted_level(level)}>\n")
        elif name == "BlockQuote":
            out.append("</blockquote>\n")
        elif name == "List":
            out.append("</ol>\n" if value is True else "</ul>\n")
        elif name == "Item":
            out.append("</li>\n")
        elif name == "Table":
            out.append("</tbody>\n</table>\n")
        elif name == "TableHead":
            self.in_head = False
            out.append("</tr>\n</thead>\n<tbody>\n")
        elif name == "TableCell":
            out.append("</th>\n" if self.in_head else "</td>\n")
            self.cell += 1
        elif name == "Link":
            self.links -= 1
            out.append("</a>")

    def end_code(self):
        language, parts = self.code
        self.code = None
        source = self.raw("".join(parts))
        if language == "math":
            tex = "\\[\n" + source.rstrip("\n") + "\n\\]"
            self.out.append(
                f'<div class="arithmatex">{html.escape(tex, quote=False)}</div>\n'
            )
            return
        highlight_it = (
            language in HIGHLIGHTED_LANGUAGES
            and len(source) <= HIGHLIGHT_MAX_BLOCK
            and self.highlighted + len(source) <= HIGHLIGHT_BUDGET
        )
        if highlight_it:
            self.highlighted += len(source)
        self.out.append(
            '<div class="highlight"><pre><span></span><code>'
            + (
                _highlighted(source, language)
                if highlight_it
                else html.escape(source, quote=False)
            )
            + "</code></pre></div>\n"
        )


def _highlighted(source, language):
    lexer = _lexer(language)
    if lexer is None:
        return html.escape(source, quote=False)
    return highlight(source, lexer, _FORMATTER)


@functools.cache
def _lexer(language):
    # A lexer's first use in a process compiles its regular expressions (up to 0.3 s for the
    # biggest, once per worker and language); later ones reuse them.
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return None


def _tag_parts(tag):
    """(name, value) of a Start or End tag, whichever shape pyromark gives it."""
    if isinstance(tag, str):
        return tag, None
    if isinstance(tag, dict):
        ((name, value),) = tag.items()
        return name, value
    return tag[0], tag[1]


def _tag_name(tag):
    return _tag_parts(tag)[0]


def _demoted_level(level):
    number = int(str(level)[-1]) if level else 1
    return min(number + 2, 6)


def _demoted(heading):
    level = heading.get("level") if isinstance(heading, dict) else heading
    return _demoted_level(level)


# Stop at whitespace, at characters that are never in a URL, and at HTML
# entities (the text is escaped first). Trailing punctuation is removed below.
_URL_RE = re.compile(r"\bhttps?://[^\s<>\"'&]+(?:&amp;[^\s<>\"'&]+)*", re.IGNORECASE)
_PLAIN_TRAILING = ".,;:!?)]}"


def _link(match: re.Match) -> str:
    url = match.group(0)
    tail = ""
    while url and url[-1] in _PLAIN_TRAILING:
        # Keep a ")" that closes a "(" inside the URL (Wikipedia links).
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url, tail = url[:-1], url[-1] + tail
    return f'<a href="{url}" rel="{LINK_REL}">{url}</a>{tail}'


def render_plain_text(text: str) -> str:
    """Render a plain-text comment: escape everything, link bare URLs, keep line breaks."""
    escaped = html.escape(text.replace("\r\n", "\n").replace("\r", "\n"), quote=True)
    return _URL_RE.sub(_link, escaped).replace("\n", "<br>\n")


# Math in plain one-line text (question titles): inline \( \), display \[ \] or $$ $$.
_TEXT_MATH_RE = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]|\$\$(.+?)\$\$", re.DOTALL)
_TEX_SYMBOLS = {
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠", "ne": "≠", "approx": "≈",
    "times": "×", "cdot": "·", "pm": "±", "infty": "∞", "in": "∈", "mid": "|",
    "to": "→", "rightarrow": "→", "Rightarrow": "⇒", "leftarrow": "←", "ldots": "…",
    "dots": "…", "cdots": "…", "sum": "∑", "prod": "∏", "int": "∫", "sqrt": "√",
    "partial": "∂", "nabla": "∇", "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ",
    "epsilon": "ε", "varepsilon": "ε", "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "omega": "ω",
    "Delta": "Δ", "Sigma": "Σ", "Omega": "Ω",
}  # fmt: skip
_TEX_FRAC_RE = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_TEX_COMMAND_RE = re.compile(r"\\([A-Za-z]+)|\\(.)")


def _tex_as_text(tex: str) -> str:
    tex = _TEX_FRAC_RE.sub(r"\1/\2", tex)

    def command(match):
        if (
            match.group(2) is not None
        ):  # \, \; \{ \\ ...: spacing, or the character itself
            return " " if match.group(2) in ",;:! \\" else match.group(2)
        # Symbols by name; formatting commands (\left, \mathrm, \displaystyle) vanish.
        return _TEX_SYMBOLS.get(match.group(1), "")

    text = _TEX_COMMAND_RE.sub(command, tex).replace("{", "").replace("}", "")
    return " ".join(text.split())


def math_as_text(text: str) -> str:
    """Text whose math is written out plainly (`\\(n \\leq K\\)` -> `n ≤ K`): for a page's
    <title>, its description and shortened titles, where nothing typesets TeX."""
    return _TEXT_MATH_RE.sub(
        lambda m: _tex_as_text(next(g for g in m.groups() if g is not None)), text
    )


def math_spans(text: str) -> str:
    """One line of plain text (a question title) as escaped HTML in which each formula is
    MathML (questions.mathml), or where MathML falls short a span that static/js/math.js
    typesets, as in rendered Markdown; without JavaScript that TeX stays readable."""
    parts, end = [], 0
    for match in _TEXT_MATH_RE.finditer(text):
        parts.append(html.escape(text[end : match.start()]))
        tex = next(g for g in match.groups() if g is not None)
        parts.append(
            tex_to_mathml(tex.strip(), False)
            or f'<span class="arithmatex">\\({html.escape(tex)}\\)</span>'
        )
        end = match.end()
    parts.append(html.escape(text[end:]))
    return "".join(parts)
