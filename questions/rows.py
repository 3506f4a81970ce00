"""The question lists' rows (search results, topics, the home page) and the filter form's
<option>s, written in plain Python: a search page draws 25 rows and about 60 options, and
Django's template engine spent half of the page's time on them (bench/render_pages.py).
templates/questions/_question_rows.html and _filters.html call them through `{% load cards %}`.

Escaping as in questions/cards.py: `_c` is Django's conditional_escape (values already marked
safe, such as a search snippet whose only markup is <mark>, stay as they are)."""

from html import escape

from django.utils.safestring import mark_safe

from .models import Kind
from .templatetags.presentation import with_math


def _c(value) -> str:
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def _plural(count) -> str:
    return "" if count == 1 else "s"


def _row(question) -> str:
    answers = question.answer_count
    stats = [
        f'<span class="stat {"stat-answered" if answers else ""}"><strong>{answers}</strong> answer{_plural(answers)}</span>\n'
    ]
    if question.interview_count:
        count = question.interview_count
        stats.append(
            f'<span class="stat stat-asked"><strong>{count}</strong> asked in interview{_plural(count)}</span>\n'
        )
    if question.useful_count:
        stats.append(
            f'<span class="stat stat-useful"><strong>{question.useful_count}</strong> found it useful</span>\n'
        )
    if question.top_score is not None:
        stats.append(
            f'<span class="stat stat-votes" title="The score of this question\'s best answer (upvotes minus downvotes)"><strong>{question.top_score}</strong> top answer score</span>\n'
        )
    title = with_math(question.prompt)
    if question.closed_at:
        title += f" {_c(question.list_suffix)}"
    snippet = getattr(question, "snippet", None)
    topic = question.topic
    community = question.difficulty_is_community
    if question.has_reference_answer:
        badge = '<span class="badge badge-ref">Reference answer</span>'
    elif question.needs_answer:
        badge = '<span class="badge badge-needs">Needs an answer</span>'
    else:
        badge = ""
    return (
        '<li class="question-row">\n<div class="question-stats">\n'
        + "".join(stats)
        + "</div>\n"
        '<div class="question-summary">\n'
        f'<a class="question-title" href="{_c(question.get_absolute_url())}">{title}</a>\n'
        + (f'<p class="snippet">{_c(snippet)}</p>\n' if snippet else "")
        + '<p class="meta">\n'
        f'<a class="tag" href="{_c(topic.get_absolute_url())}">{_c(topic.name)}</a>\n'
        f'<span class="difficulty difficulty-{_c(question.shown_difficulty)}"'
        + (
            " title=\"The community's difficulty: members' ratings\""
            if community
            else ""
        )
        + f">{_c(question.get_shown_difficulty_display())}"
        + (" (community)" if community else "")
        + "</span>\n"
        + (
            '<span class="badge">Topic to explain</span>\n'
            if question.kind == Kind.TOPIC
            else ""
        )
        + f"{badge}\n</p>\n</div>\n</li>\n"
    )


def question_rows(questions, search_query="") -> str:
    """The <ol> of question rows, or its "No questions match" item."""
    rows = [_row(question) for question in questions]
    if not rows:
        if search_query:
            empty = (
                f"No questions match “{_c(search_query)}”. Try other or fewer words: very common"
                " words such as “the” or “how” are not searched for."
            )
        else:
            empty = "No questions match."
        rows = [f'<li class="empty">{empty}</li>\n']
    return mark_safe('<ol class="question-rows">\n' + "".join(rows) + "</ol>")


def select_options(options) -> str:
    """A <select>'s <option>s from (value, label, selected) triples (QuestionFilter.controls)."""
    return mark_safe(
        "".join(
            f'<option value="{_c(value)}"{" selected" if selected else ""}>{_c(label)}</option>'
            for value, label, selected in options
        )
    )
