"""Whole pages for anonymous visitors (and shared parts of pages for members, and fragments),
cached and invalidated by version tokens.

Why: most readers of a Q&A site are not signed in, and a question page is read far more often than
it changes. A cached page costs one cache round trip instead of a render and its SQL.

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
- `answer:<pk>`: one answer's card on that page (replaced with its question's token).
Two things are left to the lifetime of every cached page, PAGE_CACHE_SECONDS, so that a stream of
votes doesn't empty the cache of every list: the vote figures in list rows (and so the "most
votes" order), which votes don't invalidate (they do invalidate the question's own page), and
the reputation beside a name in any card but the one voted on (on the same question's page, too:
a vote renders only its own card again). Comments don't show on lists at all.
"""

import hashlib
import secrets
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render

# Query parameters a cached page may have (the list filters, the search, the page, the answer
# order): with any other the page is rendered every time, so made-up parameters can't multiply
# the entries of one page.
CACHEABLE_PARAMETERS = frozenset(
    {"q", "topic", "difficulty", "kind", "status", "source", "sort", "page", "answers"}
)
SITE = "site"
LISTS = "lists"
BANK = "bank"
HIT_HEADER = "X-Page-Cache"


def on_lists(request, *args, **kwargs) -> list[str]:
    """`depends_on` for the pages that list questions (home, lists, topics)."""
    return [LISTS]


def question_key(question_id) -> str:
    return f"question:{int(question_id)}"


def _version_key(name):
    return f"pagecache:v:{name}"


def _new_token():
    return secrets.token_hex(8)


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


def notifications_key(user_id) -> str:
    """One member's unread-notification count in the header of every page they read."""
    return f"notifications:{int(user_id)}"


def answer_key(answer_id) -> str:
    """One answer's card on its question's page (its text, comments, votes, canonical mark)."""
    return f"answer:{int(answer_id)}"


def question_changed(question_id, *, lists=True, answer_id=None) -> None:
    """Something on this question's page changed (in the card of `answer_id`, when given);
    with `lists`, something a list row shows or orders by changed too (answer count, activity,
    title, canonical mark)."""
    invalidate(
        question_key(question_id),
        *([answer_key(answer_id)] if answer_id is not None else []),
        *([LISTS] if lists else []),
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


def _current(depends_on):
    """({key: value}, {key: tokens}): of the entries at the keys of `depends_on` (key -> the
    names of its version tokens), those stored under the current tokens of their names, and
    those tokens (made when missing), in one round trip.

    Entries are stored with the tokens they were computed under (`_store`) and are current only
    while every one of those tokens still is."""
    version_keys = {
        name: _version_key(name) for names in depends_on.values() for name in names
    }
    found = cache.get_many([*depends_on, *version_keys.values()])
    missing = {vk: _new_token() for vk in version_keys.values() if vk not in found}
    if missing:
        cache.set_many(missing, timeout=None)
        found.update(missing)
    current, tokens = {}, {}
    for key, names in depends_on.items():
        tokens[key] = [found[version_keys[name]] for name in names]
        stored = found.get(key)
        if stored is not None and stored[0] == tokens[key]:
            current[key] = stored[1]
    return current, tokens


def _store(key, tokens, value, timeout):
    cache.set(key, (tokens, value), timeout)


def _hashed_key(kind, *parts):
    raw = "\n".join(str(part) for part in parts)
    return f"pagecache:{kind}:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_value(name, depends_on, compute, timeout=None):
    """`compute()`, cached until one of the `depends_on` tokens is replaced (e.g. counts under BANK).

    Only with a cache every process shares (settings.CACHE_IS_SHARED): a token replaced in one
    worker's private cache would leave the others' stale."""
    if not settings.CACHE_IS_SHARED:
        return compute()
    key = _hashed_key("value", name)
    current, tokens = _current({key: depends_on})
    if key in current:
        return current[key]
    value = compute()
    _store(key, tokens[key], value, timeout if timeout is not None else 24 * 3600)
    return value


def _may_use_cache(request):
    """What every cached page needs: the shared cache on, a GET of a whole page (not htmx), and
    only query parameters the pages use."""
    return (
        settings.CACHE_IS_SHARED
        and settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not getattr(request, "htmx", False)
        and CACHEABLE_PARAMETERS.issuperset(request.GET)
    )


def _cacheable_request(request):
    return (
        _may_use_cache(request)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
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


def _page_lookup(request, variant, names):
    """(key, tokens, the page stored for this URL while `names`' tokens are current, or None)."""
    query = "&".join(sorted(request.GET.urlencode().split("&")))
    key = _hashed_key("page", request.path, query, variant)
    current, tokens = _current({key: names})
    return key, tokens[key], current.get(key)


def _page_store(key, tokens, value):
    _store(key, tokens, value, settings.PAGE_CACHE_SECONDS)


def anonymous_page_cache(depends_on):
    """Cache the view's page for anonymous visitors; `depends_on(request, **kwargs)` names its tokens."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _cacheable_request(request):
                return view(request, *args, **kwargs)
            names = [SITE, *depends_on(request, *args, **kwargs)]
            key, tokens, cached = _page_lookup(request, "anonymous", names)
            if cached is not None:
                content, content_type = cached
                response = HttpResponse(content, content_type=content_type)
                response[HIT_HEADER] = "hit"
                return response
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if _cacheable_response(request, response):
                _page_store(key, tokens, (response.content, response["Content-Type"]))
                response[HIT_HEADER] = "miss"
            return response

        return wrapper

    return decorator


# Request attributes for the {% shared_part %} tags (mlqa.fragments): the parts served from the
# cache, or the dict the page's parts are recorded into while it renders.
CACHED_PARTS = "shared_parts_cached"
RECORDED_PARTS = "shared_parts_recorded"


def member_content_cache(depends_on):
    """For members: cache the parts of the view's page that every member sees alike (those in
    {% shared_part %}: the title and the content) under the same tokens as the anonymous page,
    and serve them inside each member's own layout (their name, messages and CSRF token).

    Only for pages whose content doesn't depend on which member reads it (the lists, the home
    page); the view's queries are skipped on a hit."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not (_may_use_cache(request) and request.user.is_authenticated):
                return view(request, *args, **kwargs)
            names = [SITE, *depends_on(request, *args, **kwargs)]
            key, tokens, parts = _page_lookup(request, "members", names)
            if parts is not None:
                setattr(request, CACHED_PARTS, parts)
                response = render(request, "base.html")
                response[HIT_HEADER] = "hit"
                return response
            setattr(request, RECORDED_PARTS, {})
            response = view(request, *args, **kwargs)
            parts = getattr(request, RECORDED_PARTS)
            if response.status_code == 200 and parts:
                _page_store(key, tokens, parts)
                response[HIT_HEADER] = "miss"
            return response

        return wrapper

    return decorator


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
    current, tokens = _current(
        {key: [SITE, *depends_on(pk)] for pk, key in keys.items()}
    )
    return {pk: ((key, tokens[key]), current.get(key)) for pk, key in keys.items()}


def fragment_store(fragment_key, html) -> None:
    key, tokens = fragment_key
    _store(key, tokens, html, settings.PAGE_CACHE_SECONDS)
