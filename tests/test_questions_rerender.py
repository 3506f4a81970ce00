"""`manage.py rerender_markdown`: stored HTML rendered by an older renderer is brought up to date,
and the pages that show it follow at once (issue 15 changed the renderer)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from questions.markdown import render_markdown
from questions.models import Answer, Question
from tests.factories import AnswerFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def test_rerender_markdown_rewrites_stale_html_and_the_pages_follow():
    question = QuestionFactory(body="Details with \\(x^2\\) math.")
    answer = AnswerFactory(
        question=question, body="An answer with `code` and **bold**."
    )
    untouched = AnswerFactory(body="Already rendered by this renderer, nothing to do.")
    Answer.objects.filter(pk=answer.pk).update(body_html="<p>old renderer</p>")
    Question.objects.filter(pk=question.pk).update(body_html="<p>old question</p>")
    visitor = Client()
    assert "old renderer" in visitor.get(question.get_absolute_url()).content.decode()
    out = StringIO()
    call_command("rerender_markdown", batch=1, stdout=out)
    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.body_html == render_markdown(answer.body)
    assert question.body_html == render_markdown(question.body)
    assert Answer.objects.get(pk=untouched.pk).body_html == render_markdown(
        untouched.body
    )
    assert "answers: 2 checked, 1 changed" in out.getvalue()
    assert "questions: 2 checked, 1 changed" in out.getvalue()
    page = visitor.get(question.get_absolute_url()).content.decode()
    assert "old renderer" not in page
    assert "<strong>bold</strong>" in page
