"""Whole pages for anonymous visitors, members' pages from cached parts (`member_page`), answer
cards and values, cached and invalidated by version tokens.

Why: most readers of a Q&A site are not signed in, and a question page is read far more often than
it changes. A cached page costs one cache round trip instead of a render and its SQL. A member's
page costs the same round trip (their session and their copy come with it: accounts.middleware)
and joining their cached layout with the page's cached parts; this process keeps copies of the
biggest entries, so mostly only their tokens cross the network (mlqa.nearcache).

What is cached: GET requests of visitors without a session (no session cookie, no pending
messages), not htmx, with no query parameter the page doesn't use, answered 200, that set no
cookie and used no CSRF token. Everyone else gets the page rendered for them. Searches are cached
too (under `lists`, which every write that changes a search document replaces): popular queries
repeat, and a search costs PostgreSQL more than any other page. Made-up queries can't grow the
cache beyond what the server can render in PAGE_CACHE_SECONDS, the lifetime of every entry.

Invalidation: a page (like a fragment or a cached value) is stored with the version tokens of
what it shows, read in the same round trip as the page, and served only while they are all
current. Writes replace the tokens *after their transaction commits*
(`transaction.on_commit`; also at once, see `invalidate`), so:
- a reader who read the old token before the commit may store a page rendered from old rows, but
  with the old token, which no longer matches;
- a reader who reads the new token renders from committed rows.
Tokens are random (not counters), so a token evicted from the cache and made again can never match
an old page. The tokens:
- `site`: what every page shows about members and topics (names, deleted accounts);
- `lists`: question lists and the home page (new, edited and answered questions, canonical marks);
- `bank`: which questions are published, with their topic and difficulty (cached counts);
- `question:<pk>`: one question's page (its answers, comments, votes, canonical mark);
- `answer:<pk>`: one answer's card on that page (replaced with its question's token);
- `member:<pk>`, `notifications:<pk>`, `practice:<pk>`, `permissions`: what one member's own
  pages show of them (their row, follows, posts awaiting review; unread notifications; practice
  figures) and who may moderate.
Two things are left to the lifetime of every cached page, PAGE_CACHE_SECONDS, so that a stream of
votes doesn't empty the cache of every list: the vote figures in list rows (and so the "most
votes" order), which votes don't invalidate (they do invalidate the question's own page), and
the reputation beside a name in any card but the one voted on (on the same question's page, too:
a vote renders only its own card again). Comments don't show on lists at all.
"""

import hashlib
import secrets
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from mlqa import nearcache
from mlqa.nearcache import near

# Query parameters a cached page may have (the list filters, the search, the page, the answer
# order): with any other the page is rendered every time, so made-up parameters can't multiply
# the entries of one page.
CACHEABLE_PARAMETERS = frozenset(
    {"q", "topic", "difficulty", "kind", "status", "source", "sort", "page", "answers"}
)
SITE = "site"
LISTS = "lists"
BANK = "bank"
PERMISSIONS = "permissions"  # who holds which permission (accounts.backends)
HIT_HEADER = "X-Page-Cache"


def on_lists(request, *args, **kwargs) -> list[str]:
    """`depends_on` for the pages that list questions (home, lists, topics)."""
    return [LISTS]


def question_key(question_id) -> str:
    return f"question:{int(question_id)}"


def _version_key(name):
    return f"pagecache:t:{name}"


def _new_token():
    # An integer: Django's Redis cache stores those as they are, without pickling.
    return secrets.randbits(63)


def invalidate(*names) -> None:
    """Replace these version tokens now, and again once the current transaction commits.

    Now: the writer itself (and a test inside one transaction) sees the change at once. Again on
    commit: a reader who took the first new token before the commit rendered old rows under it.
    """
    keys = [_version_key(name) for name in names]

    def replace():
        cache.set_many({key: _new_token() for key in keys}, timeout=None)

    replace()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(replace)


def member_key(user_id) -> str:
    """One member's own state as their pages show it: their row (name, reputation, suspension,
    trust), what they follow, their posts awaiting review."""
    return f"member:{int(user_id)}"


def member_changed(*user_ids) -> None:
    """These members' own state changed (None skipped): the copies of their rows GET requests
    read (accounts.middleware), their layouts and their private pages follow."""
    names = [member_key(pk) for pk in dict.fromkeys(user_ids) if pk is not None]
    if names:
        invalidate(*names)


def notifications_key(user_id) -> str:
    """One member's unread-notification count in the header of every page they read."""
    return f"notifications:{int(user_id)}"


def answer_key(answer_id) -> str:
    """One answer's card on its question's page (its text, comments, votes, canonical mark)."""
    return f"answer:{int(answer_id)}"


def question_changed(question_id, *, lists=True, answer_id=None, members=()) -> None:
    """Something on this question's page changed (in the card of `answer_id`, when given);
    with `lists`, something a list row shows or orders by changed too (answer count, activity,
    title, canonical mark); `members`: these members' rows changed with it (a vote's author's
    reputation), replaced in the same round trip."""
    invalidate(
        question_key(question_id),
        *([answer_key(answer_id)] if answer_id is not None else []),
        *([LISTS] if lists else []),
        *(member_key(pk) for pk in members if pk is not None),
    )


def bank_changed() -> None:
    """Which questions are in the bank, or their topic or difficulty, changed: counts follow."""
    invalidate(BANK, LISTS)


def post_changed(post, *, lists=True) -> None:
    """A question, answer or comment was written or changed visibility: its question's page
    follows, and the lists unless `lists` is False (comments, votes: see the module's note)."""
    question_id = getattr(post, "question_id", None)
    answer_id = post.pk if post._meta.model_name == "answer" else None
    if question_id is None and getattr(post, "answer_id", None) is not None:
        answer_id = post.answer_id
        question_id = post.answer.question_id
    if question_id is not None:
        question_changed(question_id, lists=lists, answer_id=answer_id)
    elif post._meta.model_name == "question":
        question_changed(post.pk)
        bank_changed()


def site_changed() -> None:
    """Something every page may show changed (a member's name, a deleted account, a topic)."""
    invalidate(SITE, LISTS)


def lookup(depends_on, raw_keys=()):
    """({key: value}, {key: tokens}): of the entries at the keys of `depends_on` (key -> the
    names of its version tokens), those stored under the current tokens of their names, and
    those tokens (made when missing), in one round trip; with them, the values at `raw_keys`
    as they are stored, when found (another cache user's, such as a session).

    Entries are stored with the tokens they were computed under (`store`) and are current only
    while every one of those tokens still is. Pages, parts, layouts and member copies this process has
    a copy of (mlqa.nearcache) are not read from the cache, only their tokens: a second round
    trip reads those whose tokens changed since.
    """
    version_keys = {
        name: _version_key(name) for names in depends_on.values() for name in names
    }
    copies = {key: near.get(key) for key in depends_on if nearcache.holds(key)}
    copies = {key: copy for key, copy in copies.items() if copy is not None}
    found = cache.get_many(
        [
            *(key for key in depends_on if key not in copies),
            *version_keys.values(),
            *raw_keys,
        ]
    )
    _make_missing_tokens(found, version_keys.values())
    current = {key: found[key] for key in raw_keys if key in found}
    tokens = {
        key: [found[version_keys[name]] for name in names]
        for key, names in depends_on.items()
    }
    stale = []
    for key, (copy_tokens, value) in copies.items():
        if copy_tokens == tokens[key]:
            current[key] = value
        else:
            stale.append(key)
    if stale:
        found.update(cache.get_many(stale))
    for key in depends_on:
        stored = found.get(key)
        if stored is not None and stored[0] == tokens[key]:
            current[key] = stored[1]
            if nearcache.holds(key):
                near.put(key, *stored)
    return current, tokens


def _make_missing_tokens(found, version_keys):
    missing = {vk: _new_token() for vk in version_keys if vk not in found}
    if missing:
        cache.set_many(missing, timeout=None)
        found.update(missing)


def _current_tokens(names) -> list[str]:
    version_keys = [_version_key(name) for name in names]
    found = cache.get_many(version_keys)
    _make_missing_tokens(found, version_keys)
    return [found[vk] for vk in version_keys]


def store(key, tokens, value, timeout):
    """Store `value` computed under `tokens` for `timeout` seconds (None: until evicted)."""
    expires_at = None if timeout is None else time.time() + timeout
    cache.set(key, (tokens, value, expires_at), timeout)
    if nearcache.holds(key):
        near.put(key, tokens, value, expires_at)


def _hashed_key(kind, *parts):
    raw = "\n".join(str(part) for part in parts)
    return f"pagecache:{kind}:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_value(name, depends_on, compute, timeout=None):
    """`compute()`, cached until one of the `depends_on` tokens is replaced (e.g. counts under BANK).

    Only with a cache every process shares (settings.CACHE_IS_SHARED): a token replaced in one
    worker's private cache would leave the others' stale."""
    if not settings.CACHE_IS_SHARED:
        return compute()
    # Short names (a topic's count) as they are; long ones (a count's SQL) hashed.
    key = f"pagecache:value:{name}" if len(name) <= 64 else _hashed_key("value", name)
    current, tokens = lookup({key: depends_on})
    if key in current:
        return current[key]
    value = compute()
    store(key, tokens[key], value, timeout if timeout is not None else 24 * 3600)
    return value


def _may_use_cache(request):
    """What every cached page needs: the shared cache on, a GET of a whole page (not htmx), and
    only query parameters the pages use."""
    return (
        request.method in ("GET", "HEAD")
        # What django-htmx's request.htmx reads, without building request.headers.
        and request.META.get("HTTP_HX_REQUEST") != "true"
        and settings.CACHE_IS_SHARED
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
    if request.META.get("QUERY_STRING"):  # in one order, however the link wrote it
        query = "&".join(sorted(request.GET.urlencode().split("&")))
    return _hashed_key("page", request.path, query, variant)


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
                content, content_type = cached
                response = HttpResponse(content, content_type=content_type)
                response[HIT_HEADER] = "hit"
                return response
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if _cacheable_response(request, response):
                from mlqa.fragments import collapse_whitespace

                # Stored (and sent now) without the templates' indentation, as members' parts.
                response.content = collapse_whitespace(response.content.decode())
                store(
                    key,
                    tokens[key],
                    (response.content, response["Content-Type"]),
                    settings.PAGE_CACHE_SECONDS,
                )
                response[HIT_HEADER] = "miss"
            return response

        return wrapper

    return decorator


# Request attributes for the {% shared_part %} tags (mlqa.fragments): the parts served from the
# cache, or the dict the page's parts are recorded into while it renders; and the moment a view
# says its parts stop being current (`page_expires_at`).
CACHED_PARTS = "shared_parts_cached"
RECORDED_PARTS = "shared_parts_recorded"
EXPIRES_AT = "page_parts_expire_at"
LATE_TOKENS = "page_parts_late_tokens"
# The parts of base.html in {% shared_part %}: what a page adds to the layout.
PART_NAMES = ("title", "head", "main_class", "search", "content", "scripts")
LIVE_PART = "live"  # in recorded parts: their live values (mlqa.fragments)
LATE_PART = "late"  # in stored parts: {name: token} of `page_depends_on`


def page_depends_on(request, *names) -> None:
    """The view's page also shows what these tokens cover, which it finds out while rendering
    (the question of a practice card): call before reading those rows. A member's page stored
    with them is served only while they are current too (a second round trip)."""
    if getattr(request, RECORDED_PARTS, None) is None:
        return  # not being recorded for the cache
    late = getattr(request, LATE_TOKENS, {})
    late.update(zip(names, _current_tokens(names), strict=True))
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
    cache round trip (with the session and the member's row: accounts.middleware) and string
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
                names += [member_key(user_id), PERMISSIONS]
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
            from accounts.middleware import hinted_member_id, lookup_with_member

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
    return _current_tokens(late)


def _render_recording(request, view, args, kwargs, parts_key, tokens):
    """The view's page, its parts recorded and stored, compiled (a miss)."""
    from mlqa.fragments import compile_html

    setattr(request, RECORDED_PARTS, {})
    response = view(request, *args, **kwargs)
    recorded = getattr(request, RECORDED_PARTS)
    live = recorded.pop(LIVE_PART, ())
    parts = {name: compile_html(html, live) for name, html in recorded.items()}
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
    link) and unread notifications (whose count the bank's token also covers)."""
    return [
        SITE,
        member_key(user_id),
        PERMISSIONS,
        notifications_key(user_id),
        BANK,
    ]


def _shell_render(request) -> tuple:
    """base.html for this member, compiled with a slot for each of its parts.

    The marks of the slots are random, so nothing a member wrote (their name is in the header)
    can make one."""
    from mlqa.fragments import CSRF_PLACEHOLDER, compile_html

    mark = secrets.token_hex(8)
    slots = {f"\x00{mark}:{name}\x00": name for name in PART_NAMES}
    setattr(request, CACHED_PARTS, {name: mark for mark, name in slots.items()})
    try:
        html = render_to_string(
            "base.html", {"csrf_token": CSRF_PLACEHOLDER}, request=request
        )
    finally:
        delattr(request, CACHED_PARTS)
    return compile_html(html, slots=slots)


def _compose(request, shell, parts) -> bytes:
    """A member's page: their shell with the page's parts, their CSRF token and live values."""
    from mlqa.fragments import expand, reader_csrf_token

    csrf = reader_csrf_token(request).encode()
    return b"".join(expand(shell, [], csrf=csrf, now=timezone.now(), parts=parts))


def _parts_for_reader(request, parts) -> dict:
    """{part name: HTML} of compiled parts, for rendering the layout around them."""
    from mlqa.fragments import expand

    csrf, now = get_token(request).encode(), timezone.now()
    return {
        name: b"".join(expand(segments, [], csrf=csrf, now=now)).decode()
        for name, segments in parts.items()
        if name in PART_NAMES
    }


def practice_key(user_id) -> str:
    """The version token of one member's practice figures (cards, reviews, sessions, settings)."""
    return f"practice:{int(user_id)}"


def practice_changed(user_id) -> None:
    """A member's practice data changed (a grade, a session started or ended, their settings):
    the figures of their practice pages cached under `practice_key` follow."""
    invalidate(practice_key(user_id))


def fragments(name, variants, depends_on) -> dict:
    """Cached HTML fragments of one kind (e.g. each answer's card), in one round trip.

    `variants` maps each object's id to what else its HTML depends on (e.g. "anonymous", or a
    member's own vote on it): the caller decides which readers see identical HTML, and renders
    the others' themselves. `depends_on(id)` names the version tokens of one object's fragment
    (the site's is added). Returns {id: (fragment key, html or None when not cached yet)}, or {}
    when caching is off. Stored with `fragment_store`, for PAGE_CACHE_SECONDS like the pages.
    """
    if not variants or not settings.CACHE_IS_SHARED or settings.PAGE_CACHE_SECONDS <= 0:
        return {}
    keys = {
        pk: _hashed_key("fragment", name, pk, variant)
        for pk, variant in variants.items()
    }
    current, tokens = lookup({key: [SITE, *depends_on(pk)] for pk, key in keys.items()})
    return {pk: ((key, tokens[key]), current.get(key)) for pk, key in keys.items()}


def fragment_store(fragment_key, html) -> None:
    key, tokens = fragment_key
    store(key, tokens, html, settings.PAGE_CACHE_SECONDS)
