"""{% cached_fragment obj %}...{% endcached_fragment %}: the block's HTML from the cache.

The view decides which objects' blocks may be shared between readers and looks their keys up
in one round trip (mlqa.pagecache.fragments), setting `obj.fragment_key` and
`obj.cached_fragment`; without a key the block is rendered as usual. A shared block may hold
forms: it is rendered with a placeholder for the CSRF token, which each reader's own token
replaces when it is served.
"""

from django import template
from django.utils.safestring import mark_safe

from mlqa import pagecache

register = template.Library()

CSRF_PLACEHOLDER = "csrf-token-of-the-reader"


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
            with context.push(csrf_token=CSRF_PLACEHOLDER):
                html = str(self.nodelist.render(context))
            pagecache.fragment_store(key, html)
        # Only when there is a form: asking for the token marks the response as using it.
        if CSRF_PLACEHOLDER in html:
            html = html.replace(CSRF_PLACEHOLDER, str(context.get("csrf_token")))
        return mark_safe(html)


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
