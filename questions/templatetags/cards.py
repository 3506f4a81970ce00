"""The question page's answer cards, vote boxes and comment threads (questions/cards.py, plain
Python) as template tags: `{% load cards %}`.

{% answer_card answer %}
{% vote_box answer %}
{% comment_thread comments answer=answer question=question %}
{% question_rows questions %}      the rows of a question list (questions/rows.py)
{% select_options options %}       a filter <select>'s options
{% feedback_box %}                 the question's box of members' signals (questions/cards.py)

Each reads the reader (`user`), the CSRF token and, for a thread, `comment_form` from the
context, as the templates they replace did."""

from django import template

from .. import cards, rows

register = template.Library()

COMMENT_FORM = "questions/includes/comments.html#comment-form"


def _reader(context):
    """The reader's Reader, worked out once per rendering (20 cards ask for it)."""
    state = context.render_context
    reader = state.get(cards.Reader)
    if reader is None:
        reader = state[cards.Reader] = cards.Reader(context.get("user"))
    return reader


def _form_html(context):
    def render(extra):
        partial = context.template.engine.get_template(COMMENT_FORM)
        with context.push(extra):
            return partial.render(context)

    return render


@register.simple_tag(takes_context=True)
def answer_card(context, answer):
    return cards.answer_card(answer, _reader(context), context.get("csrf_token"))


@register.simple_tag(takes_context=True)
def vote_box(context, answer):
    return cards.vote_box(answer, _reader(context), context.get("csrf_token"))


@register.simple_tag(takes_context=True)
def comment_thread(context, comments, answer=None, question=None):
    return cards.comment_thread(
        comments=comments,
        answer=answer,
        question=question,
        reader=_reader(context),
        comment_form=context.get("comment_form"),
        form_html=_form_html(context),
    )


@register.simple_tag(takes_context=True)
def question_rows(context, questions):
    return rows.question_rows(questions, context.get("search_query") or "")


@register.simple_tag
def select_options(options):
    return rows.select_options(options)


@register.simple_tag(takes_context=True)
def feedback_box(context):
    return cards.feedback_box(
        context["question"],
        _reader(context),
        context.get("csrf_token"),
        summary=context.get("interview_summary"),
        interview_form=context.get("interview_form"),
        difficulty_levels=context.get("difficulty_levels") or (),
        community_min_ratings=context.get("community_min_ratings"),
        error=context.get("feedback_error") or "",
        saved=context.get("feedback_saved") or "",
    )
