"""Turn user-written Markdown (and plain-text comments) into safe HTML.

Callers store the result (``body_html``) when they save. Templates then print it
with ``|safe`` and never render Markdown themselves (STYLE.md section 10).
The choices, and the reasons for them:

- Math uses ``pymdownx.arithmatex`` in *generic* mode, which outputs
  ``<span class="arithmatex">\\(...\\)</span>`` and
  ``<div class="arithmatex">\\[...\\]</div>``. ``static/js/math.js`` runs KaTeX
  on these elements in the browser; without JavaScript the TeX is still
  readable. Inline math is ``\\( \\)`` only. Even arithmatex's "smart dollar"
  turns ``$5/$10`` or ``$5-$10`` into math, and prices are common in prose.
  Display math is ``$$ $$``, ``\\[ \\]``, ``\\begin{env}`` or a fenced
  ``math`` block, each on its own paragraph, so stray dollars stay text.
- Code uses ``superfences`` + ``highlight`` with Pygments *CSS classes*. Our
  CSP has no ``style-src 'unsafe-inline'``, so inline styles would not apply.
  The colours are in ``static/css/pygments.css``.
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

import html
import re

import markdown
import nh3
from pygments.token import STANDARD_TYPES
from pymdownx.arithmatex import arithmatex_fenced_format

LINK_REL = "nofollow ugc noopener"
URL_SCHEMES = {"http", "https", "mailto"}

_EXTENSIONS = [
    "tables", "sane_lists", "toc", "pymdownx.arithmatex", "pymdownx.highlight",
    "pymdownx.superfences", "pymdownx.tilde", "pymdownx.magiclink",
]  # fmt: skip
_MATH_FENCE = arithmatex_fenced_format(mode="generic")
_EXTENSION_CONFIGS = {
    "tables": {"use_align_attribute": True},
    "toc": {"baselevel": 3, "marker": ""},  # only used to shift heading levels
    "pymdownx.arithmatex": {
        "generic": True,
        "inline_syntax": ["round"],
        "block_syntax": ["dollar", "square", "begin"],
    },
    "pymdownx.highlight": {"css_class": "highlight", "guess_lang": False},
    "pymdownx.superfences": {
        "custom_fences": [
            {"name": "math", "class": "arithmatex", "format": _MATH_FENCE}
        ],
    },
}

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


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    absolute = value.strip().lower().startswith(("https://", "http://"))
    return None if tag == "img" and attribute == "src" and not absolute else value


def render_markdown(text: str) -> str:
    """Render user Markdown, with math and code, to HTML that is safe to mark safe."""
    # A new Markdown object for each call: they keep state and aren't thread-safe.
    md = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    return nh3.clean(
        md.convert(text),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        tag_attribute_values={"th": _ALIGN, "td": _ALIGN},
        allowed_classes=_CLASSES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )


# Stop at whitespace, at characters that are never in a URL, and at HTML
# entities (the text is escaped first). Trailing punctuation is removed below.
_URL_RE = re.compile(r"\bhttps?://[^\s<>\"'&]+(?:&amp;[^\s<>\"'&]+)*", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"


def _link(match: re.Match) -> str:
    url = match.group(0)
    tail = ""
    while url and url[-1] in _TRAILING:
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
    """One line of plain text (a question title) as escaped HTML in which each formula is a
    span that static/js/math.js typesets, as in rendered Markdown; without JavaScript the
    TeX stays readable."""
    parts, end = [], 0
    for match in _TEXT_MATH_RE.finditer(text):
        parts.append(html.escape(text[end : match.start()]))
        tex = next(g for g in match.groups() if g is not None)
        parts.append(f'<span class="arithmatex">\\({html.escape(tex)}\\)</span>')
        end = match.end()
    parts.append(html.escape(text[end:]))
    return "".join(parts)
