"""URLs reversed once per shape, then filled in: `reverse` for the pages' many links.

Why: the question page links each of its 20 answer cards and 50 comments to their history,
flag, edit, vote and author pages: 150-230 `reverse()` calls, about a sixth of the page's
rendering time (cProfile). Those calls differ only in the numbers and names they put in the
same few patterns. So each (view name, argument names, kind of each argument) is reversed once,
with marker values, and the result kept as a template that later calls fill with their values
by string joins.

Only values that reverse() would write unchanged are filled in that way: non-negative integers
and names of letters, digits, `-` and `_` (what the int, slug, str and path converters accept,
and what needs no quoting). Anything else (other strings, a pattern whose converter refuses the
marker, such as uuid, or a choice in a regular expression) goes to Django's reverse() as usual,
so the URL is always the one reverse() gives. Templates are kept per URLconf and script prefix,
and dropped when the URLconf changes (tests' override_settings).
"""

import re
from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse

_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]+\Z")
# Marker values: digits for integers, letters for names; none can appear in a pattern's
# literal text by chance.
_INT_MARK = 9_071_932_648_105_000
_NAME_MARK = "zqxmlqamarkq"


def _shape(value):
    """'i' for an integer reverse() writes as is, 'n' for such a name, None for anything else."""
    if type(value) is int and value >= 0:
        return "i"
    if isinstance(value, str) and _SAFE_NAME.match(value):  # SafeString too (literals)
        return "n"
    return None


def _mark(kind, position):
    return _INT_MARK + position if kind == "i" else f"{_NAME_MARK}{chr(97 + position)}"


@lru_cache(maxsize=2048)
def _template(viewname, names, kinds, current_app, prefix, urlconf):
    """The URL split around its markers: [text, text, ...] with one gap per value, or None."""
    marks = [_mark(kind, position) for position, kind in enumerate(kinds)]
    try:
        if names:
            url = django_reverse(
                viewname,
                kwargs=dict(zip(names, marks, strict=True)),
                current_app=current_app,
            )
        else:
            url = django_reverse(viewname, args=marks, current_app=current_app)
    except Exception:  # noqa: BLE001 - the real call below raises what it raises
        return None
    pieces, rest = [], url
    for mark in marks:
        before, found, after = rest.partition(str(mark))
        if not found or str(mark) in after:
            return None  # a value written twice, or changed: not a plain fill-in
        pieces.append(before)
        rest = after
    pieces.append(rest)
    return tuple(pieces)


def reverse(viewname, args=None, kwargs=None, current_app=None):
    """django.urls.reverse, the same URLs, from a template after its first call per shape."""
    if args and kwargs:
        return django_reverse(
            viewname, args=args, kwargs=kwargs, current_app=current_app
        )
    names = tuple(kwargs) if kwargs else ()
    values = tuple(kwargs.values()) if kwargs else tuple(args or ())
    kinds = tuple(_shape(value) for value in values)
    if not isinstance(viewname, str) or None in kinds:
        return django_reverse(
            viewname, args=args, kwargs=kwargs, current_app=current_app
        )
    pieces = _template(
        viewname, names, kinds, current_app, get_script_prefix(), get_urlconf()
    )
    if pieces is None:
        return django_reverse(
            viewname, args=args, kwargs=kwargs, current_app=current_app
        )
    out = [pieces[0]]
    for value, piece in zip(values, pieces[1:], strict=True):
        out.append(str(value))
        out.append(piece)
    return "".join(out)


@receiver(setting_changed)
def _urlconf_changed(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _template.cache_clear()
