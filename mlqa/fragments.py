"""Template tags for cached parts of pages (loaded as `{% load fragments %}`, see settings).

{% cached_fragment obj %}...{% endcached_fragment %}
    The block's HTML from the cache. The view decides which objects' blocks may be shared
    between readers and looks their keys up in one round trip (mlqa.pagecache.fragments),
    setting `obj.fragment_key` and `obj.cached_fragment`; without a key the block is rendered
    as usual.

{% shared_part "name" %}...{% endshared_part %}
    A part of the layout (the title, the content) that every member sees alike on pages
    decorated with mlqa.pagecache.member_content_cache: recorded while the page renders, and
    served from the cache inside each member's own layout (header, messages) afterwards.

A shared block may hold forms: it is rendered with a placeholder for the CSRF token, which each
reader's own token replaces when it is served. It must not hold a <script> with the CSP nonce,
which differs per response (the sanitised Markdown and these templates have none).
"""

from django import template
from django.utils.safestring import mark_safe

from mlqa import pagecache

register = template.Library()

CSRF_PLACEHOLDER = "csrf-token-of-the-reader"


def _render_shareable(nodelist, context) -> str:
    with context.push(csrf_token=CSRF_PLACEHOLDER):
        return str(nodelist.render(context))


def _for_this_reader(html, context):
    # Only when there is a form: asking for the token marks the response as using it.
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, str(context.get("csrf_token")))
    return mark_safe(html)


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
        if cached is not None:  # a hit: the layout around the cached parts
            return _for_this_reader(cached.get(self.name, ""), context)
        recording = getattr(request, pagecache.RECORDED_PARTS, None)
        if recording is None:
            return self.nodelist.render(context)
        html = recording[self.name] = _render_shareable(self.nodelist, context)
        return _for_this_reader(html, context)


@register.tag
def shared_part(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "'\"":
        raise template.TemplateSyntaxError('{% shared_part "name" %} takes a name')
    nodelist = parser.parse(("endshared_part",))
    parser.delete_first_token()
    return SharedPartNode(nodelist, bits[1][1:-1])
