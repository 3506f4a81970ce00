"""Turn the scraped lines of a source answer back into readable Markdown.

The scrapes kept the shape of lists ("  • item", "    • nested", "  1. step";
one document kept only a leading space per bullet) and of math (``\\( \\)``,
``\\[ \\]``, ``$...$``), but code lost its fences and every paragraph is one
line. Each line is classified, then written out as Markdown blocks for
questions/markdown.py, which renders math with arithmatex in generic mode:
inline math must be ``\\( \\)`` and display math its own paragraph.
"""

import re

_BULLET_RE = re.compile(r"^(\s*)[•▪◦·]\s*(.*)$")
_NUMBERED_RE = re.compile(r"^(\s+)(\d+)\.\s+(.*)$")
_DASH_RE = re.compile(r"^-\s+(.*)$")

# Code that lost its fences. Each pattern is something prose doesn't look like.
_CODE_RES = [
    re.compile(p)
    for p in (
        r"^(def|class)\s+\w+\s*\(.*\)\s*:$",
        r"^(import\s+\w|from\s+[\w.]+\s+import\s)",
        r"^(for|while|if|elif|with)\s.*:$",
        r"^(else|try|finally|except.*):$",
        r"^(return|print|yield)\b",
        r"^[\w\[\].,]+\s*=\s*[^=\s].*$",  # assignment: "Z=[]", "d = {}", "y = B0 + B1*x1"
        r"^[\w.]+(\(.*\)|\[.*\])(\s*[&|+*/-]\s*[\w.]+\(.*\))*;?$",  # a call or subscript alone on its line
        r"^(SELECT|FROM|JOIN|WHERE|GROUP BY|HAVING|ORDER BY|LIMIT|ON)\b",  # upper-case SQL
        r";\s*%",  # MATLAB comment
        r"<-|%dopar%",  # R
    )
]
_PROSE_RE = re.compile(
    r"[A-Za-z]+(?: [A-Za-z]+){5,}[.?!]$"
)  # six words ending a sentence

# Math in the scrapes: \( \), \[ \], $$ $$ and single dollars (one document);
# and the code spans _join_split_code() makes (the sources have no backticks).
_PROTECTED_RE = re.compile(
    r"`[^`\n]+`|\\\(.+?\\\)|\\\[.+?\\\]|\$\$.+?\$\$|\$(?!\s)[^$\n]+?(?<!\s)\$"
)
# What is left of an image: its caption "(Source image)".
_IMAGE_PLACEHOLDER_RE = re.compile(r"^\s*(•\s*)?\(source image\)\s*$", re.IGNORECASE)
_ESCAPE_RE = re.compile(r"([\\`*_])")


def is_code(text: str) -> bool:
    stripped = text.strip()
    if not stripped or _PROSE_RE.search(stripped):
        return False
    return any(pattern.search(stripped) for pattern in _CODE_RES)


def _escape_plain(text: str) -> str:
    text = _ESCAPE_RE.sub(r"\\\1", text)
    # "<" before a letter would start an HTML tag ("pvalue<alpha").
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)


def inline(text: str) -> str:
    """Escape Markdown syntax outside math; rewrite math into the renderer's syntax."""
    out, last = [], 0
    for match in _PROTECTED_RE.finditer(text):
        out.append(_escape_plain(text[last : match.start()]))
        math = match.group(0)
        if math.startswith(("\\[", "$$")):  # display math inside a sentence or a bullet
            math = "\\(\\displaystyle " + math[2:-2].strip() + "\\)"
        elif math.startswith("$"):  # the site's inline math is \( \) only
            math = "\\(" + math[1:-1] + "\\)"
        out.append(math)
        last = match.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def _block_escape(text: str) -> str:
    """Stop a paragraph's first characters from reading as a heading, list or quote."""
    text = re.sub(r"^(\d+)\.(\s)", r"\1\\.\2", text)
    return re.sub(r"^([#>+-])", r"\\\1", text)


def _is_label(text: str) -> bool:
    """A short stand-alone line such as "Pros", "Cons" or a model name: a sub-heading."""
    words = text.split()
    # "kNearest Neighbor" lost its hyphen but is still a name; "heapq" is a stray code word.
    named = bool(words) and (
        text[0].isupper() or any(ch.isupper() for ch in words[0][1:])
    )
    return 0 < len(words) <= 6 and text[-1] not in ".:,;?!" and named


def _code_language(lines: list[str]) -> str:
    joined = "\n".join(lines)
    if re.search(r"^\s*(SELECT|FROM|WHERE)\b", joined, re.M):
        return "sql"
    if re.search(r"<-|%dopar%", joined):
        return "r"
    if re.search(r";\s*%", joined):
        return "matlab"
    if re.search(r"^\s*(def |import |from \S+ import|print\(|for .+:$)", joined, re.M):
        return "python"
    return ""


def _classify(line: str, bullet_space: bool) -> tuple[str, int, str]:
    """(kind, depth, text) for one line; kind is blank/ul/ol/math/code/pre/text."""
    if not line.strip():
        return "blank", 0, ""
    if m := _BULLET_RE.match(line):
        return "ul", max(len(m.group(1)) // 2 - 1, 0), m.group(2).strip()
    if m := _NUMBERED_RE.match(line):
        return (
            "ol",
            max(len(m.group(1)) // 2 - 1, 0),
            f"{m.group(2)}. {m.group(3).strip()}",
        )
    if m := _DASH_RE.match(line):
        return "ul", 0, m.group(1).strip()
    stripped = line.strip()
    if stripped.startswith(("\\[", "$$")):
        return "math", 0, stripped
    if is_code(line):
        return "code", 0, line.rstrip()
    if bullet_space and re.match(r"^ \S", line):  # 001: one leading space was a bullet
        return "ul", 0, stripped
    if re.match(r"^(\s{4,}|\t)", line):
        return "pre", 0, line.rstrip()
    return "text", 0, stripped


def _near_code(kinds: list[str], i: int) -> bool:
    """Whether the nearest non-blank line before or after line ``i`` is code."""
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(kinds) and kinds[j] == "blank":
            j += step
        if 0 <= j < len(kinds) and kinds[j] == "code":
            return True
    return False


def _split_math(text: str) -> tuple[str, str]:
    """Split "\\[ ... \\] where," into the display formula and the words after it."""
    closer = "\\]" if text.startswith("\\[") else "$$"
    end = text.find(closer, 2)
    if end < 0:
        return text, ""
    return text[: end + 2], text[end + 2 :].strip()


def _join_split_code(lines: list[str]) -> list[str]:
    """Rejoin "We can use the" / "heapq" / "library to ..." into one line with `heapq`.

    The scrape put inline code on a line of its own, splitting the sentence around it.
    """
    out: list[str] = []
    i = 0
    while i < len(lines):
        word = lines[i].strip()
        if (
            out and i + 1 < len(lines) and word and " " not in word and len(word) <= 30
            and out[-1].strip() and out[-1].rstrip()[-1] not in ".:?!"
            and re.match(r"^[a-z,.;)]", lines[i + 1].strip() or "A")
        ):  # fmt: skip
            after = lines[i + 1].strip()
            out[-1] = (
                f"{out[-1].rstrip()} `{word}`{'' if after[0] in ',.;)' else ' '}{after}"
            )
            i += 2
            continue
        out.append(lines[i])
        i += 1
    return out


def _line_kinds(lines: list[str], bullet_space: bool) -> list[tuple[str, int, str]]:
    """Classify every line, then settle the ones that depend on their neighbours."""
    items = [_classify(line, bullet_space) for line in lines]
    kinds = [kind for kind, _, _ in items]
    for i, (kind, _, text) in enumerate(items):
        # Unfenced code drags neighbouring indented lines (R continuation lines,
        # table rows) into its block; a lone indented line is just text.
        if kind == "pre":
            near = {kinds[j] for j in (i - 1, i + 1) if 0 <= j < len(kinds)}
            kinds[i] = "code" if near & {"code", "pre"} else "text"
            items[i] = (kinds[i], 0, text if kinds[i] == "code" else text.strip())
    for i, (kind, _, text) in enumerate(items):
        # "# Load the data" between code lines is a comment, not a heading.
        comment = text.startswith("# ") and _near_code(kinds, i)
        # A short row right under a code or table line belongs to it ("Predicted Positive (1) TP FP").
        row = (
            i
            and kinds[i - 1] == "code"
            and text[-1:] not in ".:?!"
            and len(text.split()) <= 8
            and not re.match(r"^[A-Z]\w*\s?\d*:", text)
        )
        if kind == "text" and (comment or row):
            kinds[i] = "code"
            items[i] = ("code", 0, lines[i].rstrip())
    return items


class _Writer:
    """Collects Markdown blocks: paragraphs, one list at a time, one code block at a time."""

    def __init__(self):
        self.blocks: list[str] = []
        self.list_lines: list[str] = []
        self.code_lines: list[str] = []
        self.last_depth, self.list_kind = -1, None

    def flush_list(self):
        if self.list_lines:
            self.blocks.append("\n".join(self.list_lines))
            self.list_lines = []
        self.last_depth, self.list_kind = -1, None

    def flush_code(self):
        while self.code_lines and not self.code_lines[-1].strip():
            self.code_lines.pop()
        if self.code_lines:
            fence = f"```{_code_language(self.code_lines)}"
            self.blocks.append(fence + "\n" + "\n".join(self.code_lines) + "\n```")
            self.code_lines = []

    def code(self, text: str):
        self.flush_list()
        self.code_lines.append(text)

    def blank(self, double: bool):
        if self.code_lines:
            self.code_lines.append("")
        elif double:
            self.flush_list()  # two blank lines: a label ("Advantages") was lost between two lists

    def item(self, kind: str, depth: int, text: str):
        self.flush_code()
        depth = min(
            depth, self.last_depth + 1
        )  # never deeper than one level below the last item
        if depth == 0 and self.list_kind not in (None, kind):
            self.flush_list()  # Python-Markdown would read "1." under "- " items as that item's text
        if depth == 0:
            self.list_kind = kind
        self.last_depth = depth
        text = inline(text)
        if kind == "ol" and depth > 0:
            # Nested lists switch between bullets and numbers freely in the
            # scrapes, which Python-Markdown can't nest: keep the number as text.
            self.list_lines.append(
                "    " * depth + "- " + re.sub(r"^(\d+)\.", r"\1\\.", text)
            )
        else:
            self.list_lines.append(
                "    " * depth + ("" if kind == "ol" else "- ") + text
            )

    def paragraph(self, kind: str, text: str):
        self.flush_code()
        self.flush_list()
        if kind == "math":
            formula, rest = _split_math(text)
            self.blocks.append(formula)
            if rest:
                self.blocks.append(_block_escape(inline(rest)))
        elif _is_label(text):
            self.blocks.append(f"**{inline(text)}**")
        else:
            self.blocks.append(_block_escape(inline(text)))

    def markdown(self) -> str:
        self.flush_code()
        self.flush_list()
        return "\n\n".join(self.blocks).strip()


def to_markdown(lines: list[str], *, bullet_space: bool = False) -> str:
    """Markdown for an answer's lines. ``bullet_space``: a single leading space marks a bullet."""
    lines = [
        line.replace("\u00a0", " ")  # the table in 000 is indented with no-break spaces
        for line in lines
        if not _IMAGE_PLACEHOLDER_RE.match(line)
    ]
    lines = _join_split_code(lines)
    writer = _Writer()
    previous = None
    for kind, depth, text in _line_kinds(lines, bullet_space):
        if kind == "code":
            writer.code(text)
        elif kind == "blank":
            writer.blank(double=previous == "blank")
        elif kind in ("ul", "ol"):
            writer.item(kind, depth, text)
        else:
            writer.paragraph(kind, text)
        previous = kind
    return writer.markdown()
