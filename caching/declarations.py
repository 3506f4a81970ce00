"""Which rows feed which tokens: the apps' declarations (`feeds`, `keeps`), connected once to
Django's model signals, and `rows_changed` for the writes that send none.

An app's `caching.py` (imported at start-up, like admin.py) declares, per model, the token names
a saved or deleted row touches:

    @feeds(Answer)
    def answer_tokens(answer):
        return [question_token(answer.question_id), answer_token(answer.pk), LISTS]

    @feeds(User, fields=("display_name", "username"))   # only when one of these changed
    def name_tokens(member): ...

and what else must follow a row (`keeps`: the question's search document), run in the writing
transaction. post_save, post_delete and m2m_changed (for a declared through model) call them, so
the admin, the shell, fixtures, factories and every service are covered without a call. Writes
that send no signal (QuerySet.update, bulk_create, raw SQL) call `rows_changed(Model, rows)`.
"""

import threading
from collections import defaultdict
from contextlib import contextmanager

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from .tokens import replace_tokens

_FEEDS = defaultdict(list)  # model -> [(function(row) -> names, fields or None)]
_KEEPS = defaultdict(list)  # model -> [(function(rows), fields or None)]
_OLD_VALUES = "_caching_old_values"
_batches = threading.local()


def feeds(model, *, fields=None):
    """Declare (as a decorator) `function(row) -> token names` for rows of `model`. With
    `fields`, only when the row is new or deleted, or one of those fields changed (a save
    that names update_fields without them, or whose values are the old ones, is skipped; the
    old values cost one query before such saves)."""

    def register(function):
        _FEEDS[model].append((function, frozenset(fields) if fields else None))
        _connect(model)
        return function

    return register


def keeps(model, *, fields=None):
    """Declare (as a decorator) `function(rows)` that brings something derived from rows of
    `model` up to date (a search document), run in the writing transaction; `fields` as in
    `feeds`."""

    def register(function):
        _KEEPS[model].append((function, frozenset(fields) if fields else None))
        _connect(model)
        return function

    return register


def rows_changed(model, rows, *, fields=None) -> None:
    """Rows of `model` were written without a signal (QuerySet.update, bulk_create, SQL):
    replace the tokens their declarations name and run their keepers, as a save would.

    `rows`: instances carrying the fields the declarations read, or primary keys (then read
    from the database in one query). `fields`: the fields written, when known (declarations
    about other fields are skipped)."""
    rows = list(rows)
    if not rows:
        return
    if not isinstance(rows[0], model):
        rows = list(model._base_manager.filter(pk__in=rows))
    written = frozenset(fields) if fields else None
    names = []
    for function, watched in _FEEDS.get(model, ()):
        if watched is None or written is None or watched & written:
            for row in rows:
                names += function(row)
    replace_tokens(*names)
    for function, watched in _KEEPS.get(model, ()):
        if watched is None or written is None or watched & written:
            function(rows)


def _watched_fields(model):
    """The fields some declaration about `model` is limited to (their old values are read)."""
    declared = [*_FEEDS.get(model, ()), *_KEEPS.get(model, ())]
    return frozenset().union(*(watched for _, watched in declared if watched))


def _changed_fields(sender, instance, update_fields):
    """The fields this save changed, as far as the declarations need to know (None: all)."""
    if instance._state.adding:
        return None
    if update_fields is not None:
        return frozenset(update_fields)
    old = getattr(instance, _OLD_VALUES, None)
    if old is None:
        return None
    return frozenset(
        field for field, value in old.items() if getattr(instance, field) != value
    )


def _remember_old_values(sender, instance, raw=False, update_fields=None, **kwargs):
    watched = _watched_fields(sender)
    if not watched or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not watched & frozenset(update_fields):
        return
    attnames = [sender._meta.get_field(name).attname for name in watched]
    old = sender._base_manager.filter(pk=instance.pk).values(*attnames).first()
    if old is not None:
        setattr(instance, _OLD_VALUES, old)


def _run(sender, instance, changed):
    names = []
    for function, watched in _FEEDS.get(sender, ()):
        if watched is None or changed is None or watched & changed:
            names += function(instance)
    batch = getattr(_batches, "current", None)
    if batch is not None:
        batch["names"].update(names)
    else:
        replace_tokens(*names)
    for function, watched in _KEEPS.get(sender, ()):
        if watched is None or changed is None or watched & changed:
            if batch is not None:
                batch["rows"].setdefault(function, []).append(instance)
            else:
                function([instance])


@contextmanager
def batched():
    """Within this block (a bulk writer that saves rows one by one: the importer), collect what
    the declarations name and run it once at the end: each token replaced once, each keeper
    called once with all its rows."""
    if getattr(_batches, "current", None) is not None:
        yield  # already in one
        return
    batch = _batches.current = {"names": set(), "rows": {}}
    try:
        yield
    finally:
        _batches.current = None
    replace_tokens(*batch["names"])
    for function, rows in batch["rows"].items():
        function(rows)


def _saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    changed = None if created else _changed_fields(sender, instance, update_fields)
    if hasattr(instance, _OLD_VALUES):
        delattr(instance, _OLD_VALUES)
    _run(sender, instance, changed)


def _deleted(sender, instance, **kwargs):
    _run(sender, instance, None)


def _m2m(sender, instance, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        _run(sender, instance, None)


_CONNECTED = set()


def _connect(model):
    if model in _CONNECTED:
        return
    _CONNECTED.add(model)
    uid = f"caching:{model._meta.label}"
    if model._meta.auto_created:  # a many-to-many through model
        m2m_changed.connect(_m2m, sender=model, dispatch_uid=uid)
        return
    pre_save.connect(_remember_old_values, sender=model, dispatch_uid=uid)
    post_save.connect(_saved, sender=model, dispatch_uid=uid)
    post_delete.connect(_deleted, sender=model, dispatch_uid=uid)


def declarations() -> dict:
    """{model label: [declared function names]}: what feeds what, for `manage.py
    caching_declarations` and the docs."""
    table = defaultdict(list)
    for model, entries in [*_FEEDS.items(), *_KEEPS.items()]:
        for function, watched in entries:
            label = f"{function.__module__}.{function.__qualname__}"
            table[model._meta.label].append(
                label + (f" (fields: {', '.join(sorted(watched))})" if watched else "")
            )
    return dict(table)
