"""Math as MathML, written when a post is saved (questions/mathml.py), KaTeX only where it
falls short."""

import time

import pytest

from questions.markdown import math_spans, render_markdown
from questions.mathml import MAX_TEX_TOTAL, tex_to_mathml
from questions.templatetags.presentation import markdown_html


def test_inline_and_display_math_become_mathml():
    out = render_markdown(
        "Loss \\(L = \\frac{1}{n}\\sum_i x_i^2\\) here.\n\n$$ \\mathbb{E}[x] = \\int x\\,p(x)\\,dx $$"
    )
    assert "arithmatex" not in out
    assert "<p>Loss <math><mrow><mi>L</mi><mo>=</mo><mfrac>" in out
    assert '<div class="math-display"><math display="block">' in out
    assert "xmlns" not in out  # HTML needs no namespace: fewer bytes


@pytest.mark.parametrize(
    "tex",
    [
        "\\foo{x}",  # an unknown command: latex2mathml writes it out as text
        "\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}",  # & outside a table
        "\\text{<img src=x onerror=alert(1)>}",  # raw text latex2mathml doesn't escape
        "\\frac{a}{",  # not TeX at all
        "x" * 1001,  # longer than MAX_TEX
    ],
)
def test_what_mathml_falls_short_on_stays_tex_for_katex(tex):
    assert tex_to_mathml(tex, False) is None
    out = render_markdown(f"See \\({tex}\\).")
    assert '<span class="arithmatex">' in out and "<math" not in out
    assert "onerror" not in out.replace(
        "onerror=alert(1)&gt;", ""
    )  # only as escaped text


def test_members_cannot_write_mathml_themselves():
    out = render_markdown(
        '<math><mi>x</mi><maction actiontype="statusline" href="javascript:alert(1)">y</maction></math>'
    )
    assert "<math" not in out and "<mi" not in out and "javascript" not in out


def test_the_mathml_is_on_the_allow_list():
    out = tex_to_mathml(
        "\\xrightarrow{f} \\color{red}{x} \\href{javascript:alert(1)}{y}", False
    )
    assert out is not None
    assert "href" not in out and "javascript" not in out and "mathcolor" not in out


def test_only_the_first_formulas_of_a_post_are_converted_and_fast():
    # Formulas of 100 characters of TeX each, all different (none from the cache).
    formulas = [("\\alpha+" * 20)[:-1] + f"+{i:04d}" for i in range(200)]
    assert all(len(tex) == 144 for tex in formulas[:1])
    text = " ".join(f"\\({tex}\\)" for tex in formulas)
    tex_to_mathml.cache_clear()
    start = time.process_time()
    out = render_markdown(text)
    assert time.process_time() - start < 2
    converted = out.count("<math>")
    assert converted == MAX_TEX_TOTAL // 144
    assert out.count('class="arithmatex"') == 200 - converted


def test_titles_get_mathml_and_keep_tex_where_it_falls_short():
    html = math_spans("Is \\(n \\leq K\\) and \\(\\foo\\)? <b>")
    assert html.startswith("Is <math><mrow><mi>n</mi><mo>≤</mo>")
    assert '<span class="arithmatex">\\(\\foo\\)</span>? &lt;b&gt;' in html


def test_a_display_formula_box_takes_the_keyboard_focus_on_the_page():
    stored = render_markdown("$$ a + b $$")
    assert '<div class="math-display" tabindex="0">' in markdown_html(stored)


def test_a_formula_cannot_stretch_over_the_page():
    """Spacing past a few em (\\hspace{10000em}) is dropped; ordinary spacing stays."""
    huge = tex_to_mathml(r"\hspace{10000em} x", False)
    assert huge is not None and "10000" not in huge and "width" not in huge
    small = tex_to_mathml(r"a \hspace{2em} b", False)
    assert 'width="2em"' in small
