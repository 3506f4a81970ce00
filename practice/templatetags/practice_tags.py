"""Small formatting filters for the practice pages."""

from django import template

register = template.Library()


@register.filter
def clock(seconds):
    """Seconds as a countdown reads: 754 -> "12:34", 3725 -> "1:02:05"."""
    try:
        seconds = max(0, int(seconds))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


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
