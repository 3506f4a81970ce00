"""Unit tests for questions/markdown.py (no database) and the static files that go with it."""

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.formatters import HtmlFormatter

from questions.markdown import LINK_REL, render_markdown, render_plain_text
from questions.mathml import MATHML_ATTRIBUTES, MATHML_TAGS

STATIC = Path(__file__).resolve().parents[1] / "static"
C0_AND_SPACE = "".join(map(chr, range(0x21)))
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (tag, {attr: value})

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def parse(fragment):
    collector = _Collector()
    collector.feed(fragment)
    collector.close()
    return collector.tags


def assert_safe(output):
    """The sanitizer's promises, checked on the parsed output (not just substrings)."""
    assert "<script" not in output.lower()
    for tag, attrs in parse(output):
        assert tag not in {
            "script",
            "style",
            "iframe",
            "object",
            "embed",
            "form",
            "svg",
        }
        # MathML only as the server writes it (questions/mathml.py), on its allow-list.
        if tag in MATHML_TAGS:
            assert set(attrs) <= MATHML_ATTRIBUTES[tag], (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in {"style", "id", "srcdoc"}, (tag, name)
            if name in URL_ATTRIBUTES:
                # What a browser's URL parser does: trim C0 controls and spaces,
                # drop tabs and newlines anywhere. (Inner spaces stay and make the
                # URL relative: "java script:" is harmless.)
                scheme = re.sub(
                    r"[\t\n\r]", "", (value or "").strip(C0_AND_SPACE)
                ).lower()
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), (
                    tag,
                    value,
                )
        if tag == "a":
            assert attrs.get("rel") == LINK_REL


# Code


def test_fenced_code_is_highlighted_with_pygments_classes():
    out = render_markdown("```python\ndef f(x):\n    return 'a'  # hi\n```")
    assert out.startswith('<div class="highlight"><pre>')
    assert '<span class="k">def</span>' in out
    assert '<span class="nf">f</span>' in out
    assert "<span class=\"s1\">'a'</span>" in out
    assert '<span class="c1"># hi</span>' in out
    assert "style=" not in out


def test_code_is_escaped_not_interpreted():
    out = render_markdown(
        "```html\n<script>alert(1)</script>\n```\n\n`<img src=x onerror=alert(1)>`"
    )
    assert '<span class="p">&lt;</span><span class="nt">script</span>' in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert_safe(out)


def test_math_delimiters_inside_code_stay_code():
    out = render_markdown(r"`\(x\)`")
    assert out == r"<p><code>\(x\)</code></p>"


# Math


def test_inline_math_is_an_arithmatex_span_with_delimiters():
    out = render_markdown(r"Pythagoras: \(a^2 + b^2 = c^2\) and \(x<y\).", mathml=False)
    assert r'<span class="arithmatex">\(a^2 + b^2 = c^2\)</span>' in out
    assert r'<span class="arithmatex">\(x&lt;y\)</span>' in out


@pytest.mark.parametrize(
    "source",
    ["$$\nE = mc^2\n$$", r"\[" + "\nE = mc^2\n" + r"\]", "```math\nE = mc^2\n```"],
)
def test_display_math_is_an_arithmatex_div_with_delimiters(source):
    out = render_markdown(source, mathml=False)
    assert out == '<div class="arithmatex">\\[\nE = mc^2\n\\]</div>'


def test_markdown_does_not_mangle_tex():
    out = render_markdown(r"\(a_1 * b_2 * c_{i,j}\)", mathml=False)
    assert r"\(a_1 * b_2 * c_{i,j}\)" in out
    assert "<em>" not in out


@pytest.mark.parametrize(
    "text",
    ["It costs $5 and $10.", "Between $5-$10 or $5/$10.", "Pay $x$ later", "$20"],
)
def test_dollar_amounts_are_not_math(text):
    out = render_markdown(text)
    assert "arithmatex" not in out
    assert out == f"<p>{text}</p>"


# Sanitizing


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        '<a href="https://example.com" onclick="alert(1)">x</a>',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        '<a href="java&#9;script:alert(1)">x</a>',
        '<a href=" jav&#x0A;ascript:alert(1)">x</a>',
        "<a href='vbscript:msgbox(1)'>x</a>",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
        "[x](data:text/html,<script>alert(1)</script>)",
        '<p style="position:fixed;top:0">x</p>',
        "<iframe src=https://evil.example></iframe>",
        "<svg onload=alert(1)><script>alert(1)</script></svg>",
        "<form action=https://evil.example><input name=p></form>",
        '<div class="highlight" id="content" onmouseover="x()">z</div>',
    ],
)
def test_dangerous_markup_is_removed(source):
    out = render_markdown(source)
    assert_safe(out)
    assert "alert(1)" not in "".join(str(attrs) for _, attrs in parse(out))


def test_tab_in_scheme_leaves_no_link_or_a_harmless_relative_url():
    # CommonMark allows no tab or space in a link destination, so this is text; a renderer that
    # made it a link would keep the whitespace, which browsers don't strip inside a URL, so
    # "java    script:" would have no scheme: a relative path.
    out = render_markdown("[x](java\tscript:alert(1))")
    assert_safe(out)
    for href in [attrs["href"] for tag, attrs in parse(out) if tag == "a"]:
        assert urlsplit(href).scheme == ""


def test_script_content_is_dropped_not_shown():
    assert "alert" not in render_markdown("<script>alert(1)</script>")


def test_style_attribute_is_removed_but_content_kept():
    out = render_markdown('<span style="color:red">hi</span>')
    assert out == "<p><span>hi</span></p>"


def test_only_known_classes_survive():
    out = render_markdown(
        '<div class="highlight alert position-fixed">x</div><span class="btn k">y</span>'
    )
    assert '<div class="highlight">' in out
    assert '<span class="k">' in out
    assert "btn" not in out
    assert "position-fixed" not in out


def test_links_get_rel_and_keep_href_and_title():
    out = render_markdown('[docs](https://example.com/a?b=1&c=2 "Title")')
    assert out == (
        f'<p><a href="https://example.com/a?b=1&amp;c=2" title="Title" rel="{LINK_REL}">docs</a></p>'
    )


def test_user_supplied_rel_is_replaced():
    out = render_markdown('<a href="https://example.com" rel="opener">x</a>')
    assert f'rel="{LINK_REL}"' in out
    assert "opener" not in out.replace("noopener", "")


def test_bare_urls_and_emails_become_links():
    out = render_markdown("See https://example.com/x and me@example.com")
    assert (
        f'<a href="https://example.com/x" rel="{LINK_REL}">https://example.com/x</a>'
        in out
    )
    assert f'<a href="mailto:me@example.com" rel="{LINK_REL}">me@example.com</a>' in out


def test_images_need_absolute_http_urls():
    out = render_markdown(
        "![a](https://example.com/a.png) ![b](http://example.com/b.png) ![c](/logout)"
    )
    srcs = [attrs.get("src") for tag, attrs in parse(out) if tag == "img"]
    assert srcs == ["https://example.com/a.png", "http://example.com/b.png", None]


def test_headings_are_demoted_below_the_page_headings():
    out = render_markdown("# One\n\n## Two\n\n##### Five\n\n<h1>raw</h1>")
    assert "<h3>One</h3>" in out
    assert "<h4>Two</h4>" in out
    assert "<h6>Five</h6>" in out
    assert "<h1" not in out
    assert "<h2" not in out
    assert " id=" not in out  # toc's heading ids would let users clobber page ids


def test_markdown_features_kept():
    out = render_markdown(
        "| a | b |\n|:-:|--:|\n| 1 | 2 |\n\n~~old~~ H~2~O <sup>2</sup>\n\n> q\n\n---\n\n3. x\n4. y"
    )
    for fragment in (
        '<th align="center">a</th>',
        '<td align="right">2</td>',
        "<del>old</del>",
        "H<sub>2</sub>O",
        "<sup>2</sup>",
        "<blockquote>",
        "<hr>",
        '<ol start="3">',
    ):
        assert fragment in out


# Plain text (comments)


def test_plain_text_escapes_everything():
    out = render_plain_text("<b>hi</b> & 'q' \"d\" <script>alert(1)</script>")
    assert (
        out
        == "&lt;b&gt;hi&lt;/b&gt; &amp; &#x27;q&#x27; &quot;d&quot; &lt;script&gt;alert(1)&lt;/script&gt;"
    )


def test_plain_text_links_urls_and_keeps_line_breaks():
    out = render_plain_text(
        "see https://example.com/a?b=1&c=2.\r\nand (https://en.wikipedia.org/wiki/Foo_(bar))"
    )
    assert out == (
        f'see <a href="https://example.com/a?b=1&amp;c=2" rel="{LINK_REL}">https://example.com/a?b=1&amp;c=2</a>.<br>\n'
        f'and (<a href="https://en.wikipedia.org/wiki/Foo_(bar)" rel="{LINK_REL}">'
        "https://en.wikipedia.org/wiki/Foo_(bar)</a>)"
    )


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        'https://x.example/"onmouseover="alert(1)',
        "https://x.example/<script>",
        "ftp://x.example/",
    ],
)
def test_plain_text_links_only_http_and_never_break_out_of_the_attribute(text):
    out = render_plain_text(text)
    assert_safe(out)
    for tag, attrs in parse(out):
        assert tag in {"a", "br"}
        assert set(attrs) <= {"href", "rel"}
        assert attrs.get("href", "https:").startswith(("http://", "https://"))


# Properties

HOSTILE = st.sampled_from(
    [
        "<script>", "</script>", "<img src=x onerror=alert(1)>", " onload=", "javascript:", "java\nscript:",
        "&#106;avascript:", "data:text/html,", "[x](", "](", ")", "![i](", "<a href=", '"', "'", "`", "```",
        "\n", "\n\n", "    ", "\\(", "\\)", "$$", "\\[", "\\]", "<svg", "<style>", "style=", "<", ">", "&",
        "https://example.com/", "<div markdown=1>", "</div>", "<!--", "-->", "<![CDATA[", "*", "_", "#",
    ]
)  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(HOSTILE, st.text(max_size=5)), max_size=30).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_markdown_output_is_always_safe(text):
    assert_safe(render_markdown(text))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_plain_text_output_is_safe_and_keeps_the_text(text):
    out = render_plain_text(text)
    assert_safe(out)
    assert all(tag in {"a", "br"} for tag, _ in parse(out))
    visible = html.unescape(re.sub(r"</?a[^>]*>", "", out.replace("<br>\n", "\n")))
    assert visible == text.replace("\r\n", "\n").replace("\r", "\n")


# Adversarial Markdown: what made Python-Markdown quadratic, and what could confuse the
# renderer's own passes (math set aside, bare links, the HTML writer). The time bound per
# character is in bench/render_worst_case.py, not here.

ADVERSARIAL = st.sampled_from(
    [
        "[", "]", "(", ")", "![", "](", "]: ", "*", "**", "_", "__", "~", "~~", "^", "`", "```",
        "```python\n", "```math\n", "\n", "\n\n", "- ", "  - ", "    ", "> ", "1. ", "3) ", "#",
        "<", ">", "<a href=", "<img src=x ", "<!--", "-->", "<script>", "</script>", "<style>",
        " onerror=alert(1)", "javascript:alert(1)", "\\(", "\\)", "\\", "$$", "\\[",
        "\\]", "\\begin{a}", "\\end{a}", "http://x.example/", "www.x.example", "a@b.example",
        "|", "|-|", "&", "&#", "&#106;", ";", "\t", "\x00", '"', "'", "x", "word ",
        "\ue000", "\ue001", "\ue002", "0",
    ]
)  # fmt: skip
ADVERSARIAL_TEXT = st.lists(
    st.tuples(ADVERSARIAL, st.integers(1, 40)).map(lambda pair: pair[0] * pair[1]),
    max_size=40,
).map("".join)
MARKERS = ("\ue000", "\ue001", "\ue002")


@settings(max_examples=300, deadline=None)
@given(ADVERSARIAL_TEXT)
def test_adversarial_markdown_is_rendered_safe(text):
    out = render_markdown(text)
    assert_safe(out)
    # The markers that hold math aside while Markdown is parsed never reach the page.
    assert not any(marker in out for marker in MARKERS)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "b c", "x^2", "\\alpha", "<", "&", "*", "_"]),
        min_size=1,
        max_size=8,
    ).map("".join)
)
def test_inline_math_comes_back_as_written(tex):
    out = render_markdown(f"Before \\({tex}\\) after.", mathml=False)
    assert (
        f'<span class="arithmatex">\\({html.escape(tex, quote=False)}\\)</span>' in out
    )


def test_math_in_code_links_and_html_stays_as_written():
    out = render_markdown(
        "`\\(a\\)` [x](https://example.com/\\(b\\)) <span title='\\(c\\)'>y</span>\n\n"
        "```\n$$\nd\n$$\n```"
    )
    assert "<code>\\(a\\)</code>" in out
    assert "arithmatex" not in out
    assert "$$\nd\n$$" in out


# Static files that go with the renderer


def _pygments_css():
    """What the one-liner at the top of static/css/pygments.css prints."""
    blocks = []
    for query, style in (
        ("@media not all and (prefers-color-scheme: dark)", "default"),
        ("@media (prefers-color-scheme: dark)", "github-dark"),
    ):
        formatter = HtmlFormatter(style=style)
        rules = formatter.get_background_style_defs(
            ".highlight"
        ) + formatter.get_token_style_defs(".highlight")
        blocks.append(query + " {\n" + "\n".join(rules) + "\n}\n")
    return "".join(blocks)


def test_pygments_css_is_up_to_date():
    css = (STATIC / "css" / "pygments.css").read_text()
    header, _, rules = css.partition("*/\n")
    assert "Regenerate" in header or "regenerate" in header
    assert rules == _pygments_css(), (
        "re-run the command at the top of static/css/pygments.css"
    )


def test_pygments_css_styles_the_classes_the_renderer_emits():
    css = (STATIC / "css" / "pygments.css").read_text()
    out = render_markdown(
        "```python\nimport os\n@dec\nclass A:  # c\n    x = 'y' + 1\n```"
    )
    for cls in set(re.findall(r'<span class="([^"]+)"', out)):
        assert f".highlight .{cls} " in css, cls


def test_vendored_katex_css_references_only_files_that_exist():
    # ManifestStaticFilesStorage fails collectstatic on a url() whose target is missing.
    katex = STATIC / "vendor" / "katex"
    css = (katex / "katex.min.css").read_text()
    urls = re.findall(r"url\(([^)]+)\)", css)
    assert len(urls) > 50
    for url in urls:
        assert (katex / url.strip("'\"")).is_file(), url
    for name in ("katex.min.js", "contrib/auto-render.min.js", "LICENSE"):
        assert (katex / name).is_file(), name
