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
_PROSE_RE = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){5,}[.?!]$")  # six words ending a sentence

# Math in the scrapes: \( \), \[ \], $$ $$ and single dollars (one document).
_MATH_RE = re.compile(r"\\\(.+?\\\)|\\\[.+?\\\]|\$\$.+?\$\$|\$(?!\s)[^$\n]+?(?<!\s)\$")
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
    for match in _MATH_RE.finditer(text):
        out.append(_escape_plain(text[last : match.start()]))
        math = match.group(0)
        if math.startswith("\\["):  # display math inside a sentence or a bullet
            math = "\\(\\displaystyle " + math[2:-2].strip() + "\\)"
        elif math.startswith("$$"):
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
    return 0 < len(words) <= 6 and text[-1] not in ".:,;?!" and text[0].isupper()


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
        return "ol", max(len(m.group(1)) // 2 - 1, 0), f"{m.group(2)}. {m.group(3).strip()}"
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


def _split_math(text: str) -> tuple[str, str]:
    """Split "\\[ ... \\] where," into the display formula and the words after it."""
    closer = "\\]" if text.startswith("\\[") else "$$"
    end = text.find(closer, 2)
    if end < 0:
        return text, ""
    return text[: end + 2], text[end + 2 :].strip()


def to_markdown(lines: list[str], *, bullet_space: bool = False) -> str:
    """Markdown for an answer's lines. ``bullet_space``: a single leading space marks a bullet."""
    items = [_classify(line, bullet_space) for line in lines]
    # Unfenced code drags neighbouring preformatted lines (R continuation lines,
    # table rows) into its block; a lone indented line is just text.
    kinds = [kind for kind, _, _ in items]
    for i, kind in enumerate(kinds):
        if kind == "pre":
            near = {kinds[j] for j in (i - 1, i + 1) if 0 <= j < len(kinds)}
            kinds[i] = "code" if near & {"code", "pre"} else "text"
    for i, kind in enumerate(kinds):
        # A short row right under a code/table line belongs to it ("Predicted Positive (1) TP FP").
        if kind == "text" and i and kinds[i - 1] == "code" and items[i][2][-1:] not in ".:?!" and len(items[i][2].split()) <= 8 and not re.match(r"^[A-Z]\w*\s?\d*:", items[i][2]):
            kinds[i] = "code"
            items[i] = ("code", 0, lines[i].rstrip())

    blocks: list[str] = []
    list_lines: list[str] = []
    code_lines: list[str] = []
    depth_stack = -1

    def flush_list():
        nonlocal depth_stack
        if list_lines:
            blocks.append("\n".join(list_lines))
            list_lines.clear()
        depth_stack = -1

    def flush_code():
        while code_lines and not code_lines[-1].strip():
            code_lines.pop()
        if code_lines:
            blocks.append(f"```{_code_language(code_lines)}\n" + "\n".join(code_lines) + "\n```")
            code_lines.clear()

    for (_, depth, text), kind in zip(items, kinds, strict=True):
        if kind == "code":
            flush_list()
            code_lines.append(text)
            continue
        if kind == "blank":
            if code_lines:
                code_lines.append("")
            continue  # lists stay together across blank lines; paragraphs are blocks anyway
        flush_code()
        if kind in ("ul", "ol"):
            depth = min(depth, depth_stack + 1)  # never deeper than one level below the last item
            depth_stack = depth
            marker = "" if kind == "ol" else "- "
            list_lines.append("    " * depth + marker + inline(text))
            continue
        flush_list()
        if kind == "math":
            formula, rest = _split_math(text)
            blocks.append(formula)
            if rest:
                blocks.append(_block_escape(inline(rest)))
        elif _is_label(text):
            blocks.append(f"**{inline(text)}**")
        else:
            blocks.append(_block_escape(inline(text)))
    flush_code()
    flush_list()
    return "\n\n".join(blocks).strip()
