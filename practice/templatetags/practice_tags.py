"""Small formatting filters for the practice pages."""

from django import template

from caching.html import clock

from ..models import Rating

register = template.Library()


register.filter("clock", clock)


@register.filter
def spent(milliseconds):
    """Time spent in words: 65_000 -> "1 min 5 s"; None -> "–"."""
    if milliseconds is None or milliseconds == "":
        return "–"
    seconds = round(int(milliseconds) / 1000)
    minutes, secs = divmod(seconds, 60)
    if not minutes:
        return f"{secs} s"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


@register.filter
def percent(value):
    """0.873 -> "87%"; None -> "–"."""
    if value is None or value == "":
        return "–"
    return f"{round(float(value) * 100)}%"


@register.filter
def grade_label(rating):
    """3 -> "Good" (a review's rating, as the grade buttons say it)."""
    return Rating(int(rating)).label
