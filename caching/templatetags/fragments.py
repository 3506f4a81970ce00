"""Template tags for cached parts of pages (loaded as `{% load fragments %}`, see settings).

{% cached_fragment obj %}...{% endcached_fragment %}
    The block's HTML from the cache. The view decides which objects' blocks may be shared
    between readers and looks their keys up in one round trip (caching.pages.fragments),
    setting `obj.fragment_key` and `obj.cached_fragment`; without a key the block is rendered
    as usual.

{% shared_part "name" %}...{% endshared_part %}
    A part of the layout (the title, the content, ...: see base.html) that is cached for members
    on pages decorated with caching.cached_page: recorded while the page renders, and
    served from the cache inside each member's own layout afterwards.

{% live_seconds moment "since"|"until" ["clock"] %}
    Whole seconds from `moment` to now (since) or from now to `moment` (until), never below
    zero, as a number or as a clock ("12:34"). In a shared part it is worked out again each
    time the part is served, so a cached page shows the time of the request, not of its first
    rendering. Not allowed in a cached fragment.

A shared block may hold forms: it is rendered with a placeholder for the CSRF token, which each
reader's own token replaces when it is served. It must not hold a <script> with the CSP nonce,
which differs per response (the sanitised Markdown and these templates have none).
"""

import secrets

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from caching import pages as pagecache
from caching.html import (
    CSRF_PLACEHOLDER,
    collapse_whitespace,
    fill_live,
    live_text,
)

register = template.Library()

# Context variable: the list a shared part's live values are recorded into while it renders;
# inside a cached fragment, where live values are refused, _NOT_HERE.
LIVE_VALUES = "shared_part_live_values"
_NOT_HERE = object()


def _render_shareable(nodelist, context, live=_NOT_HERE) -> str:
    """The block's HTML as it is stored: for every reader (a placeholder for the CSRF token),
    without the templates' indentation."""
    with context.push({"csrf_token": CSRF_PLACEHOLDER, LIVE_VALUES: live}):
        return collapse_whitespace(str(nodelist.render(context)))


def _for_this_reader(html, context, live=()):
    # Only when there is a form: asking for the token marks the response as using it.
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, str(context.get("csrf_token")))
    return mark_safe(fill_live(html, live) if live else html)


class CachedFragmentNode(template.Node):
    def __init__(self, nodelist, target):
        self.nodelist = nodelist
        self.target = target

    def render(self, context):
        obj = self.target.resolve(context)
        key = getattr(obj, "fragment_key", None)
        if key is None:
            return self.nodelist.render(context)
        html = getattr(obj, "cached_fragment", None)
        if html is None:
            html = _render_shareable(self.nodelist, context)
            pagecache.fragment_store(key, html)
        return _for_this_reader(html, context)


@register.tag
def cached_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(
            "{% cached_fragment obj %} takes one argument"
        )
    nodelist = parser.parse(("endcached_fragment",))
    parser.delete_first_token()
    return CachedFragmentNode(nodelist, parser.compile_filter(bits[1]))


class SharedPartNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        request = context.get("request")
        cached = getattr(request, pagecache.CACHED_PARTS, None)
        if cached is not None:  # a hit: the layout around parts made for this reader
            return mark_safe(cached.get(self.name, ""))
        recording = getattr(request, pagecache.RECORDED_PARTS, None)
        if recording is None:
            return self.nodelist.render(context)
        live = recording.setdefault(pagecache.LIVE_PART, [])
        html = recording[self.name] = _render_shareable(self.nodelist, context, live)
        return _for_this_reader(html, context, live)


@register.tag
def shared_part(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "'\"":
        raise template.TemplateSyntaxError('{% shared_part "name" %} takes a name')
    nodelist = parser.parse(("endshared_part",))
    parser.delete_first_token()
    return SharedPartNode(nodelist, bits[1][1:-1])


class LiveSecondsNode(template.Node):
    def __init__(self, moment, direction, form):
        self.moment = moment
        self.direction = direction
        self.form = form

    def render(self, context):
        moment = self.moment.resolve(context)
        if moment is None:
            return ""
        live = context.get(LIVE_VALUES)
        if live is _NOT_HERE:
            raise template.TemplateSyntaxError(
                "{% live_seconds %} can't be in a cached fragment: its value would be cached."
            )
        if live is None:  # not in a shared part: the page is rendered for this request
            return live_text(self.direction, moment, self.form, timezone.now())
        marker = f"\x00live-{secrets.token_hex(8)}\x00"
        live.append((marker, self.direction, moment, self.form))
        return marker


@register.tag
def live_seconds(parser, token):
    bits = token.split_contents()
    words = [bit.strip("'\"") for bit in bits[2:]]
    if (
        len(bits) not in (3, 4)
        or words[0] not in ("since", "until")
        or words[1:] not in ([], ["clock"])
    ):
        raise template.TemplateSyntaxError(
            '{% live_seconds moment "since"|"until" ["clock"] %}'
        )
    return LiveSecondsNode(
        parser.compile_filter(bits[1]), words[0], words[1] if words[1:] else "seconds"
    )
