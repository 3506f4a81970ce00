"""Pages: whole pages for visitors, members' pages from cached parts inside their cached layout,
and cached fragments (answer cards) — all under version tokens (caching.tokens).

Why: most readers of a Q&A site are not signed in, and a question page is read far more often than
it changes. A cached page costs one cache round trip instead of a render and its SQL. A member's
page costs the same round trip (their session and their copy come with it: caching.members) and
joining their cached layout with the page's cached parts; this process keeps copies of the
biggest entries, so mostly only their tokens cross the network (caching.nearcache).

What is cached for visitors: GET requests without a session (no session cookie, no pending
messages), not htmx, with no query parameter the page doesn't use, answered 200, that set no
cookie and used no CSRF token. Everyone else gets the page rendered for them. Searches are cached
too (under `lists`, which every write that changes a search document replaces): popular queries
repeat, and a search costs PostgreSQL more than any other page. Made-up queries can't grow the
cache beyond what the server can render in PAGE_CACHE_SECONDS, the lifetime of every entry.

Use `cached_page` (exported by the package) on a view; its tokens are declared next to the view,
what replaces them in the apps' `caching.py` (see the package's docstring).
"""

import gzip
import hashlib
import re
import secrets
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required as login_required_decorator
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_http_date_safe

from . import html as compiled
from .members import member_values_depends_on
from .nearcache import near
from .tokens import (
    PERMISSIONS,
    SITE,
    current_tokens,
    hashed_key,
    lookup,
    member_token,
    store,
)

# Query parameters a cached page may have (the list filters, the search, the page, the answer
# order): with any other the page is rendered every time, so made-up parameters can't multiply
# the entries of one page.
CACHEABLE_PARAMETERS = frozenset(
    {
        "q",
        "topic",
        "difficulty",
        "asked",
        "kind",
        "status",
        "source",
        "sort",
        "page",
        "answers",
    }
)
HIT_HEADER = "X-Page-Cache"


def _may_use_cache(request):
    """What every cached page needs: the shared cache on, a GET of a whole page (not htmx), and
    only query parameters the pages use."""
    return (
        request.method in ("GET", "HEAD")
        # What django-htmx's request.htmx reads, without building request.headers.
        and request.META.get("HTTP_HX_REQUEST") != "true"
        and settings.PAGE_CACHE_SECONDS > 0
        and CACHEABLE_PARAMETERS.issuperset(request.GET)
    )


def _cacheable_request(request):
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES  # first: members stop here
        and "messages" not in request.COOKIES
        and _may_use_cache(request)
        and not request.user.is_authenticated
    )


def _cacheable_response(request, response):
    return (
        response.status_code == 200
        and not response.cookies
        and not getattr(response, "streaming", False)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.META.get("CSRF_COOKIE_USED")
    )


def _page_key(request, variant):
    """The cache key of what is stored for this URL and kind of reader."""
    query = ""
    if request.META.get("QUERY_STRING"):
        # The parameters in one order, however the link wrote them; a repeated parameter's
        # values in the order given, as the view reads them (`?q=a&q=b` reads "b", `?q=b&q=a`
        # reads "a": two pages, not one).
        query = urlencode(sorted(request.GET.lists()), doseq=True)
    return hashed_key("page", request.path, query, variant)


_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Pages shorter than this are sent as they are (GZipMiddleware's own threshold).
_COMPRESS_MIN_BYTES = 200


def accepts_gzip(request) -> bool:
    return bool(_ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))


def _compressed(content: bytes) -> bytes | None:
    """A visitor's page compressed once, when it is stored, at the best level (1-2 ms for a
    question page of 80 KB, to about 12 %): every hit sends these bytes as they are. Visitors'
    pages hold no secret (no CSRF token, no session), so BREACH has nothing to find in them;
    members' pages are compressed per response by GZipMiddleware, which pads against it."""
    if len(content) < _COMPRESS_MIN_BYTES:
        return None
    return gzip.compress(content, compresslevel=9, mtime=0)


# Headers a view sets that a cached copy must send again: a feed's Last-Modified (Django's
# syndication view sets it from the newest entry), which feed readers send back as
# If-Modified-Since to be told "304, nothing new" instead of fetching the whole feed again.
# Such a page also gets an ETag of its content when it is stored: Last-Modified counts whole
# seconds, so an entry added in the second of the reader's last fetch would otherwise be missed
# (If-None-Match, which readers send too, wins over If-Modified-Since). Weak, since the same
# tag is sent with the gzip-compressed and the plain copy.
KEPT_HEADERS = ("Last-Modified", "ETag")


def _with_etag(response):
    if response.has_header("Last-Modified") and not response.has_header("ETag"):
        response["ETag"] = f'W/"{hashlib.md5(response.content).hexdigest()}"'


def _not_modified_or(request, response):
    """304 when the reader already has this version (If-None-Match, else If-Modified-Since)."""
    last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
    if last_modified is None:
        return response
    return get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=last_modified,
        response=response,
    )


def anonymous_page_cache(depends_on):
    """Cache the view's page for anonymous visitors; `depends_on(request, **kwargs)` names its tokens."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _cacheable_request(request):
                return view(request, *args, **kwargs)
            names = [SITE, *depends_on(request, *args, **kwargs)]
            key = _page_key(request, "anonymous")
            current, tokens = lookup({key: names})
            cached = current.get(key)
            if cached is not None:
                # Entries stored before KEPT_HEADERS existed have three items.
                content, content_type, compressed, *rest = cached
                if compressed is not None and accepts_gzip(request):
                    response = HttpResponse(compressed, content_type=content_type)
                    response["Content-Encoding"] = "gzip"
                else:
                    response = HttpResponse(content, content_type=content_type)
                # What GZipMiddleware says of every page it may compress.
                patch_vary_headers(response, ("Accept-Encoding",))
                for name, value in (rest[0] if rest else {}).items():
                    response[name] = value
                response[HIT_HEADER] = "hit"
                return _not_modified_or(request, response)
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if _cacheable_response(request, response):
                # Stored (and sent now) without the templates' indentation, as members' parts;
                # only HTML: in a feed's XML a code block's indentation is escaped text.
                if response["Content-Type"].startswith("text/html"):
                    response.content = compiled.collapse_whitespace(
                        response.content.decode()
                    )
                _with_etag(response)
                store(
                    key,
                    tokens[key],
                    (
                        response.content,
                        response["Content-Type"],
                        _compressed(response.content),
                        {
                            name: response[name]
                            for name in KEPT_HEADERS
                            if response.has_header(name)
                        },
                    ),
                    settings.PAGE_CACHE_SECONDS,
                )
                response[HIT_HEADER] = "miss"
                return _not_modified_or(request, response)
            return response

        return wrapper

    return decorator


# Request attributes for the {% shared_part %} tags (caching.templatetags.fragments): the parts served from the
# cache, or the dict the page's parts are recorded into while it renders; and the moment a view
# says its parts stop being current (`page_expires_at`).
CACHED_PARTS = "shared_parts_cached"
RECORDED_PARTS = "shared_parts_recorded"
EXPIRES_AT = "page_parts_expire_at"
LATE_TOKENS = "page_parts_late_tokens"
# The parts of base.html in {% shared_part %}: what a page adds to the layout.
PART_NAMES = ("title", "meta", "head", "main_class", "search", "content", "scripts")
LIVE_PART = (
    "live"  # in recorded parts: their live values (caching.templatetags.fragments)
)
LATE_PART = "late"  # in stored parts: {name: token} of `page_depends_on`


def page_depends_on(request, *names) -> None:
    """The view's page also shows what these tokens cover, which it finds out while rendering
    (the question of a practice card): call before reading those rows. A member's page stored
    with them is served only while they are current too (a second round trip)."""
    if getattr(request, RECORDED_PARTS, None) is None:
        return  # not being recorded for the cache
    late = getattr(request, LATE_TOKENS, {})
    late.update(zip(names, current_tokens(names), strict=True))
    setattr(request, LATE_TOKENS, late)


def page_expires_at(request, moment) -> None:
    """The view's page shows something time changes at `moment` (a card falls due, a session's
    time runs out): its parts cached for a member are current until then at the latest."""
    current = getattr(request, EXPIRES_AT, None)
    setattr(request, EXPIRES_AT, moment if current is None else min(current, moment))


def member_page(depends_on, *, private=False, member_depends_on=None):
    """For members: the view's page from cached parts inside the member's cached layout, put
    together without rendering a template. `depends_on(request, *args, **kwargs)` names the
    page's tokens.

    The parts are those of base.html in {% shared_part %}: title, head, main class, search box,
    content and scripts. A shared page (lists, home page) has the same parts for every member,
    cached under the page's tokens (like the anonymous page). A `private` page (the question
    page with the member's votes, practice pages) has the member's own, cached under the page's
    tokens, the member's own and permission tokens, and `member_depends_on(member id)`; and for
    no longer than the view allows (`page_expires_at`, `page_depends_on`).

    The layout (the "shell": base.html with the member's header and slots for the parts) is
    cached per member and site section under the tokens of what the header shows: their row,
    permissions and unread notifications. A page whose parts and shell are current costs one
    cache round trip (with the session and the member's row: caching.members) and string
    joins; the view and its queries are skipped. Members with messages waiting (the layout
    shows them) or a suspension (its banner ends at a time) get the layout rendered around the
    cached parts; suspended members' private pages are rendered for them.

    Put it outside `login_required`, which would read the member first, on their own: visitors
    are passed on to the view.
    """

    def decorator(view):
        def wanted(request, user_id, args, kwargs):
            """(parts key, shell key, {key: token names} of both and more to read with them)."""
            names = [SITE, *depends_on(request, *args, **kwargs)]
            variant = "members"
            if private:
                names += [member_token(user_id), PERMISSIONS]
                names += member_depends_on(user_id) if member_depends_on else []
                variant = f"member {user_id}"
            parts_key = _page_key(request, variant)
            shell_key = f"pagecache:shell:{user_id}:{_section(request)}"
            keys = {parts_key: names, shell_key: _shell_depends_on(user_id)}
            # The tokens the parts named while rendering (`page_depends_on`), when this
            # process has them: read with the rest (the key itself is never stored).
            copy = near.get(parts_key)
            if copy and copy[1].get(LATE_PART):
                keys[_late_key(parts_key)] = list(copy[1][LATE_PART])
            return parts_key, shell_key, keys

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            from .members import hinted_member_id, lookup_with_member

            if not _may_use_cache(request):
                return view(request, *args, **kwargs)
            found = None
            user_id = hinted_member_id(request)
            if user_id is not None:  # session, member and page in one round trip
                parts_key, shell_key, keys = wanted(request, user_id, args, kwargs)
                found = lookup_with_member(request, user_id, keys)
            if found is None:
                user = request.user
                if not user.is_authenticated:
                    return view(request, *args, **kwargs)
                parts_key, shell_key, keys = wanted(request, user.pk, args, kwargs)
                found = (user, *lookup(keys))
            user, current, tokens = found
            if private and user.is_suspended:
                return view(request, *args, **kwargs)
            parts = current.get(parts_key)
            late = parts and parts.get(LATE_PART)
            if late and _late_tokens(late, parts_key, keys, tokens) != [*late.values()]:
                parts = None
            if parts is None:
                return _render_recording(request, view, args, kwargs, parts_key, tokens)
            if not _may_use_shell(request, user):
                setattr(request, CACHED_PARTS, _parts_for_reader(request, parts))
                response = render(request, "base.html")
            else:
                shell = current.get(shell_key)
                if shell is None:
                    shell = _shell_render(request)
                    store(
                        shell_key, tokens[shell_key], shell, settings.PAGE_CACHE_SECONDS
                    )
                response = HttpResponse(_compose(request, shell, parts))
            response[HIT_HEADER] = "hit"
            return response

        return wrapper

    return decorator


def _late_key(parts_key):
    return parts_key + ":late"


def _late_tokens(late, parts_key, keys, tokens) -> list:
    """The current tokens of the names in `late`: read with the page when `keys` had them."""
    if keys.get(_late_key(parts_key)) == [*late]:
        return tokens[_late_key(parts_key)]
    return current_tokens(late)


def _render_recording(request, view, args, kwargs, parts_key, tokens):
    """The view's page, its parts recorded and stored, compiled (a miss)."""
    setattr(request, RECORDED_PARTS, {})
    response = view(request, *args, **kwargs)
    recorded = getattr(request, RECORDED_PARTS)
    live = recorded.pop(LIVE_PART, ())
    parts = {name: compiled.compile_html(html, live) for name, html in recorded.items()}
    if hasattr(request, LATE_TOKENS):
        parts[LATE_PART] = getattr(request, LATE_TOKENS)
    timeout = settings.PAGE_CACHE_SECONDS
    expires_at = getattr(request, EXPIRES_AT, None)
    if expires_at is not None:
        timeout = min(timeout, int((expires_at - timezone.now()).total_seconds()))
    if response.status_code == 200 and "content" in parts and timeout > 0:
        store(parts_key, tokens[parts_key], parts, timeout)
        response[HIT_HEADER] = "miss"
    return response


def _may_use_shell(request, user):
    from django.contrib.messages import get_messages

    return not user.is_suspended and not len(get_messages(request))


def _section(request):
    """The header marks the site section (its app) the page is in: one shell per section."""
    match = request.resolver_match
    return match.app_name if match else ""


def _shell_depends_on(user_id):
    """What a member's header shows: their row (name, reputation), permissions (the moderation
    link) and the values the apps add to the member's copy (caching.member_value)."""
    return [
        SITE,
        member_token(user_id),
        PERMISSIONS,
        *member_values_depends_on(user_id),
    ]


def _shell_render(request) -> tuple:
    """base.html for this member, compiled with a slot for each of its parts.

    The marks of the slots are random, so nothing a member wrote (their name is in the header)
    can make one."""
    mark = secrets.token_hex(8)
    slots = {f"\x00{mark}:{name}\x00": name for name in PART_NAMES}
    setattr(request, CACHED_PARTS, {name: mark for mark, name in slots.items()})
    try:
        html = render_to_string(
            "base.html", {"csrf_token": compiled.CSRF_PLACEHOLDER}, request=request
        )
    finally:
        delattr(request, CACHED_PARTS)
    return compiled.compile_html(html, slots=slots)


def _compose(request, shell, parts) -> bytes:
    """A member's page: their shell with the page's parts, their CSRF token and live values."""
    from .borrowed import reader_csrf_token

    csrf = reader_csrf_token(request).encode()
    return b"".join(
        compiled.expand(shell, [], csrf=csrf, now=timezone.now(), parts=parts)
    )


def _parts_for_reader(request, parts) -> dict:
    """{part name: HTML} of compiled parts, for rendering the layout around them."""
    csrf, now = get_token(request).encode(), timezone.now()
    return {
        name: b"".join(compiled.expand(segments, [], csrf=csrf, now=now)).decode()
        for name, segments in parts.items()
        if name in PART_NAMES
    }


def fragments(name, variants, depends_on) -> dict:
    """Cached HTML fragments of one kind (e.g. each answer's card), in one round trip.

    `variants` maps each object's id to what else its HTML depends on (e.g. "anonymous", or a
    member's own vote on it): the caller decides which readers see identical HTML, and renders
    the others' themselves. `depends_on(id)` names the version tokens of one object's fragment
    (the site's is added). Returns {id: (fragment key, html or None when not cached yet)}, or {}
    when caching is off. Stored with `fragment_store`, for PAGE_CACHE_SECONDS like the pages.
    """
    if not variants or settings.PAGE_CACHE_SECONDS <= 0:
        return {}
    keys = {
        pk: hashed_key("fragment", name, pk, variant)
        for pk, variant in variants.items()
    }
    current, tokens = lookup({key: [SITE, *depends_on(pk)] for pk, key in keys.items()})
    return {pk: ((key, tokens[key]), current.get(key)) for pk, key in keys.items()}


def fragment_store(fragment_key, html) -> None:
    key, tokens = fragment_key
    store(key, tokens, html, settings.PAGE_CACHE_SECONDS)


def cached_page(
    depends_on=(), *, members="shared", member_depends_on=None, login_required=False
):
    """The one decorator for cached pages: visitors get the whole page from the cache, members
    its parts inside their own cached layout.

    `depends_on`: the token names the page shows (`site` is always added), as a list, or a
    function `(request, *args, **kwargs) -> names` of the view's arguments.
    `members`: "shared" (every member sees the same parts: lists, the home page), "private"
    (each member's own: it shows their votes or their practice; cached under their member and
    permission tokens and `member_depends_on(member id)` too), or None (rendered for members).
    `login_required`: visitors are sent to sign in (the check is applied here, inside the
    member's cache and in place of the visitors' one, so decorator order can't be wrong).
    """
    if callable(depends_on):
        names = depends_on
    else:
        fixed = list(depends_on)

        def names(request, *args, **kwargs):
            return fixed

    if members not in ("shared", "private", None):
        raise ValueError('members is "shared", "private" or None')

    def decorator(view):
        wrapped = login_required_decorator(view) if login_required else view
        if members is not None:
            wrapped = member_page(
                names,
                private=members == "private",
                member_depends_on=member_depends_on,
            )(wrapped)
        if not login_required:
            wrapped = anonymous_page_cache(names)(wrapped)
        return wraps(view)(wrapped)

    return decorator
