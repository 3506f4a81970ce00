"""MLQA's caching layer: one infrastructure app below the domain apps, knowing only Django (and
the user model through get_user_model()). Its public face is this module.

Caching a page (next to the view):

    from caching import LISTS, cached_page

    @cached_page([LISTS])                                  # visitors and members, shared
    def question_list(request): ...

    @cached_page(lambda request, pk, slug=None: [question_token(pk)], members="private")
    def question_detail(request, pk, slug=None): ...       # members get their own parts

    @cached_page(members="private", member_depends_on=practice_tokens, login_required=True)
    def practice_home(request): ...                         # the log-in check is applied here

  In the view, `page_expires_at(request, moment)` says when time changes the page (a card falls
  due) and `page_depends_on(request, *names)` adds tokens found while rendering (a card's
  question). `cached_value(name, depends_on, compute)` caches a value (a count) under tokens.
  `{% load fragments %}` gives `{% shared_part %}`, `{% cached_fragment %}`, `{% live_seconds %}`.

Declaring what feeds a token (in the app's own `caching.py`, found at start-up like admin.py):

    from caching import LISTS, feeds
    @feeds(Answer)
    def answer_tokens(answer):
        return [question_token(answer.question_id), answer_token(answer.pk), LISTS]

  Every save and delete of an Answer (the admin, the shell, factories, services) then replaces
  those tokens, after the transaction commits too; `keeps(Model)` declares what else follows a
  row (a search document). A write that sends no signal (QuerySet.update, bulk_create, SQL)
  calls `rows_changed(Model, rows_or_pks, fields=...)` right there. Nothing else in models,
  querysets, filters, selectors or services names a token.

`member_value(name, depends_on=...)` adds a value to the member copy every page reads (the
unread-notification count); `member_value_for(user_id, name)` reads it outside a copy.

Keys carry a prefix per release (settings.CACHES KEY_PREFIX: the commit, or MLQA_RELEASE), so a
new release never reads the previous one's pickles. docs/caching.md tells the whole contract.
"""

from .declarations import batched, feeds, keeps, rows_changed
from .members import member_value, member_value_for
from .pages import cached_page, page_depends_on, page_expires_at
from .pages import fragments as cached_fragments
from .reversal import reverse
from .tokens import (
    BANK,
    LISTS,
    PERMISSIONS,
    SITE,
    cached_value,
    forget_everything,
    member_token,
)

__all__ = [
    "BANK",
    "LISTS",
    "PERMISSIONS",
    "SITE",
    "batched",
    "cached_fragments",
    "cached_page",
    "cached_value",
    "feeds",
    "forget_everything",
    "keeps",
    "member_token",
    "member_value",
    "member_value_for",
    "page_depends_on",
    "page_expires_at",
    "reverse",
    "rows_changed",
]
