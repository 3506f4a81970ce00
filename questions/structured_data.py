"""schema.org JSON-LD for a question page: a `QAPage` whose main entity is the `Question`, with
its canonical answer as `acceptedAnswer` and the best community and reference answers as
`suggestedAnswer` (what Google's Q&A rich results read: https://schema.org/QAPage and
developers.google.com/search/docs/appearance/structured-data/qapage).

Only published answers go in: a member's own answer awaiting review shows on their page but is
not the site's to announce."""

import json
import re

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from accounts.site import absolute_url, site_url

from .models import Status

SUGGESTED_ANSWERS = 10
# What django.utils.html.json_script escapes: no "</script>" or "<!--" can end the block early.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


# A tag, its attribute values quoted or not.
_TAG = re.compile(r"""<(?:[^<>"']|"[^"]*"|'[^']*')*>""")


def _text(html):
    """strip_tags(html), the fast way for the renderer's well-formed output: Django's parses the
    HTML again until nothing changes, which cost a question page about 1.5 ms for its answers."""
    text = _TAG.sub("", html)
    if "<" in text or "<!--" in html:  # not the renderer's: Django's careful way
        text = strip_tags(html)
    return text.strip()


def _site_author(request):
    return {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": site_url(request) + "/",
    }


def _author(request, user):
    if user is None:  # an account that was deleted
        return {"@type": "Person", "name": "a former member"}
    return {
        "@type": "Person",
        "name": user.public_name,
        "url": absolute_url(request, user.get_absolute_url()),
    }


def _answer(request, question_url, answer):
    if answer.source_id:
        author = {"@type": "Organization", "name": answer.source.title}
        if answer.source.url:
            author["url"] = answer.source.url
    else:
        author = _author(request, answer.author)
    return {
        "@type": "Answer",
        "text": _text(answer.body_html),
        "dateCreated": answer.created_at.isoformat(),
        "upvoteCount": answer.score,
        "url": f"{question_url}#answer-{answer.pk}",
        "author": author,
    }


def qa_page(request, question, answers) -> dict | None:
    """The QAPage of a published question and `answers` (those its page shows); None when
    there is no published answer (a QAPage needs one, accepted or suggested)."""
    if question.status != Status.PUBLISHED:
        return None
    published = [
        a for a in answers if a.status == Status.PUBLISHED and not a.is_deleted
    ]
    if not published:
        return None
    accepted = [a for a in published if a.is_canonical]
    suggested = sorted(
        (a for a in published if not a.is_canonical),
        key=lambda a: (-a.score, a.created_at),
    )[:SUGGESTED_ANSWERS]
    question_url = absolute_url(request, question.get_absolute_url())
    entity = {
        "@type": "Question",
        "name": question.prompt,
        "text": _text(question.body_html) or question.prompt,
        "answerCount": len(published),
        "dateCreated": question.created_at.isoformat(),
        "url": question_url,
        "author": _author(request, question.author)
        if question.author_id
        else _site_author(request),
    }
    if accepted:
        entity["acceptedAnswer"] = _answer(request, question_url, accepted[0])
    if suggested:
        entity["suggestedAnswer"] = [
            _answer(request, question_url, a) for a in suggested
        ]
    return {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": entity}


def json_ld_script(data) -> str:
    """`data` in a <script type="application/ld+json"> block, escaped like Django's json_script
    (empty for None)."""
    if data is None:
        return ""
    text = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308
