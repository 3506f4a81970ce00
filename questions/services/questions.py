from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Question, QuestionRevision, Status
from ..seeds import dedup_key
from .edits import edit_recorded
from .related import related_questions_refresh


def _save_unique(question):
    """Save, turning a lost race for the same title (two identical proposals at one instant: both
    passed the check, the database's unique key refused the second) into the same form error."""
    try:
        with transaction.atomic():
            question.save()
    except IntegrityError:
        _check_unique(question)  # the winner is committed now: its title is named
        raise ValidationError(
            {"title": "This question is already in the bank (it was just proposed)."}
        ) from None


def _check_unique(question):
    duplicate = (
        Question.objects.filter(dedup_key=question.dedup_key)
        .exclude(pk=question.pk)
        .first()
    )
    if duplicate is not None:
        raise ValidationError(
            {"title": f"This question is already in the bank: “{duplicate.title}”."}
        )


@transaction.atomic
def question_propose(*, author, title, body, topic, difficulty) -> Question:
    """A member's new question: it joins the bank once a moderator approves it."""
    status = Status.PUBLISHED if author.is_moderator else Status.PENDING
    question = Question(
        author=author,
        title=title,
        body=body,
        topic=topic,
        difficulty=difficulty,
        status=status,
        dedup_key=dedup_key(title),
    )
    _check_unique(question)
    question.full_clean()
    _save_unique(question)
    QuestionRevision.objects.create(
        question=question, number=1, editor=author, title=title, body=body
    )
    if status == Status.PUBLISHED:
        related_questions_refresh()
    return question


@transaction.atomic
def question_edit(
    *, question, editor, title, body, topic, difficulty, audited=True
) -> Question:
    """Change a question; every change of title or body is kept as a revision (a rollback
    writes its own audit entry: audited=False)."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    text_changed = (title, body) != (question.title, question.body)
    if text_changed and not question.revisions.exists():
        # Imported questions have no revision yet: keep their original text as revision 1.
        QuestionRevision.objects.create(
            question=question,
            number=1,
            editor=None,
            title=question.title,
            body=question.body,
        )
    question.title, question.body, question.topic, question.difficulty = (
        title,
        body,
        topic,
        difficulty,
    )
    question.dedup_key = dedup_key(title)
    _check_unique(question)
    question.full_clean()
    question.last_activity_at = timezone.now()
    _save_unique(question)
    if text_changed:
        number = question.revisions.count() + 1
        QuestionRevision.objects.create(
            question=question, number=number, editor=editor, title=title, body=body
        )
    if audited:
        edit_recorded(editor=editor, post=question)
    if question.status == Status.PUBLISHED:
        related_questions_refresh()
    return question
