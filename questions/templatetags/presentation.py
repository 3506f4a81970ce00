"""Filters that turn stored values into what a page shows: `{% load presentation %}`.

Any app's templates may load them; they know nothing about a reader.
"""

import html

from django import template
from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

from ..markdown import math_as_text, math_spans

register = template.Library()


@register.filter
def iso_datetime(moment):
    """A `<time datetime>` value: ISO 8601 to the second in the current time zone.

    `date:'c'` writes microseconds, which HTML's datetime syntax refuses (three digits at most)."""
    if not moment:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(microsecond=0).isoformat()


DESCRIPTION_LENGTH = 160  # what search results show of a description


@register.filter(is_safe=True)
def description_text(markup):
    """A page's meta description from whatever its block wrote (text, tags, entities): plain
    words on one line, cut at a word boundary near 160 characters, escaped for an attribute."""
    text = " ".join(html.unescape(strip_tags(str(markup))).split())
    text = math_as_text(text)
    if len(text) > DESCRIPTION_LENGTH:
        text = text[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-") + "…"
    return escape(text)


@register.filter
def with_math(text):
    """A question title as HTML: its formulas as MathML, else typeset by KaTeX in the browser
    (lists, headings)."""
    return mark_safe(math_spans(str(text)))


register.filter(
    "math_as_text", math_as_text
)  # a title where nothing typesets TeX (<title>)


@register.filter(is_safe=True)
def markdown_html(stored):
    """Stored Markdown HTML (already sanitised by questions.markdown) as a page shows it: code
    blocks, tables and display formulas that scroll sideways on a narrow screen take the keyboard focus, so they
    can be scrolled without a mouse. The sanitiser leaves these tags bare, so the plain string
    is the tag (the same text typed by a user is escaped)."""
    return mark_safe(
        str(stored)
        .replace("<pre>", '<pre tabindex="0">')
        .replace("<table>", '<div class="scroll-x" tabindex="0"><table>')
        .replace("</table>", "</table></div>")
        .replace(
            '<div class="math-display">', '<div class="math-display" tabindex="0">'
        )
    )
