"""Math as MathML, written once on the server: browsers draw it natively, without JavaScript.

`render_markdown` (questions/markdown.py) writes each formula as
`<span class="arithmatex">\\(...\\)</span>` or `<div class="arithmatex">\\[...\\]</div>`; after
sanitising, `with_mathml` replaces each by the MathML latex2mathml gives for it, itself sanitised
with an allow-list of MathML elements and attributes. A formula stays as TeX for KaTeX to typeset
in the browser (static/js/math.js, which loads KaTeX only on a page that still has one) where
MathML falls short: what latex2mathml can't convert or gets wrong (an unknown command, which it
writes out as text; alignment `&` outside a table, as in `aligned`; raw text it doesn't escape),
a formula over MAX_TEX characters, and the formulas after the first MAX_TEX_TOTAL characters of
TeX in a post. latex2mathml takes about 8 µs a character here (loaded machine), so a hostile post
costs at most ~40 ms more; each conversion is also cached per formula.
"""

import html
import re
from functools import lru_cache

import nh3
from latex2mathml.converter import convert

MAX_TEX = 1000
MAX_TEX_TOTAL = 5000

MATHML_TAGS = {
    "math", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace", "mfrac", "msqrt", "mroot",
    "msub", "msup", "msubsup", "munder", "mover", "munderover", "mtable", "mtr", "mtd",
    "mstyle", "mpadded", "mphantom", "menclose", "merror", "mmultiscripts", "mprescripts",
    "none",
}  # fmt: skip
_COMMON_ATTRIBUTES = {"mathvariant", "displaystyle", "scriptlevel", "mathsize"}
MATHML_ATTRIBUTES = {
    "math": {"display"},
    "mo": {"stretchy", "fence", "separator", "form", "lspace", "rspace", "largeop",
           "movablelimits", "symmetric", "minsize", "maxsize", "accent"},
    "mover": {"accent"},
    "munder": {"accentunder"},
    "munderover": {"accent", "accentunder"},
    "mfrac": {"linethickness"},
    "mspace": {"width", "height", "depth"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset"},
    "mtable": {"columnalign", "rowspacing", "columnspacing", "columnlines", "rowlines"},
    "mtd": {"columnalign", "columnspan", "rowspan"},
    "mtr": {"columnalign"},
    "menclose": {"notation"},
}  # fmt: skip
MATHML_ATTRIBUTES = {
    tag: MATHML_ATTRIBUTES.get(tag, set()) | _COMMON_ATTRIBUTES for tag in MATHML_TAGS
}

_TAG_NAME_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")
# An ampersand that starts no character reference: raw text latex2mathml didn't escape.
_BARE_AMPERSAND_RE = re.compile(r"&(?!#x?[0-9A-Fa-f]+;|[A-Za-z]+;)")
_FORMULA_RE = re.compile(
    r'<(span|div) class="arithmatex">(\\\(|\\\[)(.*?)(\\\)|\\\])</\1>', re.DOTALL
)


# Spacing a formula may ask for (\\hspace, \\rule, \\kern...): a member's formula must not stretch
# over the page or cover it, so longer lengths are dropped (the browser's default spacing stays).
_LENGTH_ATTRIBUTES = {"width", "height", "depth", "lspace", "rspace", "voffset"}
_LENGTH_RE = re.compile(r"\s*([+-]?)(\d{1,4}(?:\.\d*)?|\.\d+)\s*([a-z%]*)\s*\Z")
_MAX_LENGTH = {"": 10, "em": 10, "ex": 20, "mu": 180, "pt": 100, "px": 150}


def _bounded_lengths(tag, attribute, value):
    """nh3's attribute filter: a length attribute only when it is a small, plain length."""
    if attribute not in _LENGTH_ATTRIBUTES:
        return value
    found = _LENGTH_RE.match(value)
    if found is None or found.group(3) not in _MAX_LENGTH:
        return None
    if float(found.group(2)) > _MAX_LENGTH[found.group(3)]:
        return None
    return value


@lru_cache(maxsize=4096)
def tex_to_mathml(tex: str, display: bool) -> str | None:
    """Sanitised MathML for one formula's TeX, or None where MathML falls short."""
    if len(tex) > MAX_TEX or not tex.strip():
        return None
    try:
        raw = convert(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - any parse failure: KaTeX gets the formula
        return None
    if "\\" in raw or _BARE_AMPERSAND_RE.search(raw):
        return None
    if any(name.lower() not in MATHML_TAGS for name in _TAG_NAME_RE.findall(raw)):
        return None
    cleaned = nh3.clean(
        raw,
        tags=MATHML_TAGS,
        attributes=MATHML_ATTRIBUTES,
        link_rel=None,
        attribute_filter=_bounded_lengths,
    )
    if not display:  # inline is MathML's default: fewer bytes
        cleaned = cleaned.replace('<math display="inline">', "<math>", 1)
    return cleaned


def with_mathml(sanitised: str) -> str:
    """Sanitised HTML with its formulas (arithmatex spans and divs) as MathML where it can."""
    if "arithmatex" not in sanitised:
        return sanitised
    budget = MAX_TEX_TOTAL

    def replace(match):
        nonlocal budget
        element, opening, tex, closing = match.groups()
        display = opening == "\\["
        if display != (closing == "\\]") or len(tex) > budget:
            return match.group(0)
        budget -= len(tex)
        mathml = tex_to_mathml(html.unescape(tex).strip(), display)
        if mathml is None:
            return match.group(0)
        # A display formula in its own box, which scrolls sideways when it is wider than the
        # screen (the page gives it the keyboard focus: presentation.markdown_html).
        return f'<div class="math-display">{mathml}</div>' if display else mathml

    return _FORMULA_RE.sub(replace, sanitised)
