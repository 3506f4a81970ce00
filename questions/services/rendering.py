from django.db import transaction

from caching import rows_changed

from ..markdown import render_markdown
from ..models import Answer, Question


def stored_html_rerender(*, batch=500):
    """Render every answer's and question's stored Markdown again; write `body_html` where it
    differs. Yields (model name, rows checked, rows changed) per model.

    Batches of `batch` rows by primary key, each written in its own transaction with one UPDATE
    per changed row (bulk_update), then the pages showing them are told (no signal is sent)."""
    for model in (Answer, Question):
        checked = changed = 0
        last_pk = 0
        while True:
            rows = list(
                model._base_manager.filter(pk__gt=last_pk)
                .order_by("pk")
                .only("pk", "body", "body_html", *_token_fields(model))[:batch]
            )
            if not rows:
                break
            last_pk = rows[-1].pk
            stale = []
            for row in rows:
                html = render_markdown(row.body) if row.body else ""
                if html != row.body_html:
                    row.body_html = html
                    stale.append(row)
            if stale:
                with transaction.atomic():
                    model._base_manager.bulk_update(stale, ["body_html"])
                    rows_changed(model, stale, fields=["body_html"])
            checked += len(rows)
            changed += len(stale)
        yield model._meta.verbose_name_plural, checked, changed


def _token_fields(model):
    # What the caching declarations read from a row (questions/caching.py).
    if model is Answer:
        return ("question_id", "author_id")
    return ("status", "author_id")
