"""Every URL pattern of the project, walked from the root URLconf through every include.

Shared by the tests that must cover every URL (tests/test_security_csrf.py,
tests/test_security_permissions.py): ours, allauth's and the admin's.
"""

import re

from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

ADMIN_CATCH_ALL = "admin/(?P<url>.*)$"
ROUTE_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")


def url_patterns(patterns=None, prefix="", namespaces=()):
    """(name or None, pattern text, pattern) for every URL pattern, included ones too."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = (pattern.namespace,) if pattern.namespace else ()
            yield from url_patterns(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                namespaces + namespace,
            )
        else:
            name = ":".join((*namespaces, pattern.name)) if pattern.name else None
            yield name, prefix + str(pattern.pattern), pattern


def pattern_arguments(pattern):
    """The names of the arguments a pattern captures."""
    if isinstance(pattern.pattern, RoutePattern):
        return set(pattern.pattern.converters)
    return set(pattern.pattern.regex.groupindex)


def fill_route(text, kwargs):
    """A path for a route pattern without a name (the admin's redirects such as <path:object_id>/)."""
    return "/" + ROUTE_ARGUMENT.sub(lambda m: str(kwargs[m[1]]), text)


PATTERNS = list(url_patterns())
PATTERN_IDS = [name or text for name, text, _ in PATTERNS]
