"""Geometry for the progress page's server-rendered SVG charts.

The templates only place shapes at the coordinates computed here; colours come from CSS classes
(the CSP forbids style attributes, and classes follow the light and dark themes).
"""

import math
from datetime import date, timedelta
from typing import NamedTuple

from django.utils.safestring import mark_safe

HEAT_CELL = 11
HEAT_STEP = 13  # cell plus gap
HEAT_LEFT = 28  # room for weekday labels
HEAT_TOP = 16  # room for month labels
HEAT_WEEKS = 53
HEAT_LEVELS = 4
# English names looked up by index: strftime("%a") and ("%b") cost about 2 µs each, a millisecond
# and a half for the year's 371 tooltips (the page is in English, as strftime's C locale is).
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


class HeatCell(NamedTuple):  # a tuple: the grid makes 371 on every progress page
    x: int
    y: int
    day: date
    count: int
    level: int


def heat_cells_svg(cells) -> str:
    """The grid's <rect>s, each with its tooltip, as safe markup.

    Built here rather than in the template: 371 cells with six values each cost the template
    engine tens of milliseconds, a format string a fraction of one.
    """
    return mark_safe(
        "".join(
            f'<rect class="heat heat-{c.level}" x="{c.x}" y="{c.y}" width="{HEAT_CELL}" '
            f'height="{HEAT_CELL}" rx="2"><title>{c.count} review{"" if c.count == 1 else "s"} '
            f"on {WEEKDAY_NAMES[c.day.weekday()]} {c.day.day} "
            f"{MONTH_NAMES[c.day.month - 1]} {c.day.year}</title></rect>"
            for c in cells
        )
    )


def heatmap(counts: dict[date, int], *, today: date) -> dict:
    """A year of days as a GitHub-style grid: one column per week (Monday on top)."""
    start = today - timedelta(days=today.weekday() + (HEAT_WEEKS - 1) * 7)
    days = (today - start).days + 1
    first = start.toordinal()
    year_days = [date.fromordinal(first + i) for i in range(days)]
    year_counts = [counts.get(day, 0) for day in year_days]
    busiest = max(year_counts, default=0)
    cells, months = [], []
    for i, (day, count) in enumerate(zip(year_days, year_counts, strict=True)):
        column, row = divmod(i, 7)
        level = math.ceil(HEAT_LEVELS * count / busiest) if count else 0
        x = HEAT_LEFT + column * HEAT_STEP
        cells.append(HeatCell(x, HEAT_TOP + row * HEAT_STEP, day, count, level))
        if (day.day == 1 or i == 0) and (not months or months[-1][0] != x):
            months.append((x, MONTH_NAMES[day.month - 1]))
    if len(months) > 1 and months[1][0] - months[0][0] < 3 * HEAT_STEP:
        months.pop(0)  # the partial first month has no room for its name
    weekdays = [
        (HEAT_TOP + row * HEAT_STEP + HEAT_CELL - 2, label)
        for row, label in ((0, "Mon"), (2, "Wed"), (4, "Fri"))
    ]
    return {
        "cells": cells,
        "cells_svg": heat_cells_svg(cells),
        "months": months,
        "weekdays": weekdays,
        "width": HEAT_LEFT + math.ceil(days / 7) * HEAT_STEP,
        "height": HEAT_TOP + 7 * HEAT_STEP,
        "cell": HEAT_CELL,
        "total": sum(year_counts),
        "active_days": sum(1 for c in year_counts if c),
        "busiest": busiest,
        "start": start,
    }


def streaks(days: set[date], *, today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days with a review. The current streak still
    counts yesterday's run while today has no review yet."""
    longest = run = 0
    previous = None
    for day in sorted(days):
        run = (
            run + 1
            if previous is not None and day - previous == timedelta(days=1)
            else 1
        )
        longest = max(longest, run)
        previous = day
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current += 1
        day -= timedelta(days=1)
    return current, longest


def bar_heights(values, *, height: int) -> list[int]:
    """Heights proportional to the largest value (at least 2 px for any non-zero value)."""
    top = max(values, default=0)
    if not top:
        return [0 for _ in values]
    return [max(2, round(height * v / top)) if v else 0 for v in values]
