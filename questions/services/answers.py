from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import Answer, AnswerRevision, Question, QuestionFollow
from ..search import search_index_update
from .notifications import notify_new_answer


def _touch_question(question_id, *, answer_delta=0):
    Question.objects.filter(pk=question_id).update(
        answer_count=F("answer_count") + answer_delta, last_activity_at=timezone.now()
    )


@transaction.atomic
def answer_create(*, question, author, body) -> Answer:
    """Publish a community answer with its first revision; followers are told, the author follows."""
    answer = Answer(question=question, author=author, body=body, revision_count=1)
    answer.full_clean()
    answer.save()
    AnswerRevision.objects.create(
        answer=answer, number=1, editor=author, body=body, created_at=answer.created_at
    )
    _touch_question(question.pk, answer_delta=1)
    notify_new_answer(answer=answer)
    QuestionFollow.objects.get_or_create(user=author, question=question)
    search_index_update([question.pk])
    return answer


@transaction.atomic
def answer_edit(*, answer, editor, body) -> Answer:
    """Change an answer's text, keeping the old text as a revision. An unchanged text is not a revision."""
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if body == answer.body:
        return answer
    answer.body = body
    answer.revision_count += 1
    answer.updated_at = timezone.now()
    answer.full_clean()
    answer.save()
    AnswerRevision.objects.create(
        answer=answer,
        number=answer.revision_count,
        editor=editor,
        body=body,
        created_at=answer.updated_at,
    )
    _touch_question(answer.question_id)
    search_index_update([answer.question_id])
    return answer


@transaction.atomic
def answer_delete(*, answer, by) -> Answer:
    """Soft-delete: the answer disappears from the site but its votes and history stay in the database."""
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if answer.is_deleted:
        return answer
    answer.deleted_at = timezone.now()
    answer.save(update_fields=["deleted_at"])
    if answer.source_id is None:
        _touch_question(answer.question_id, answer_delta=-1)
    search_index_update([answer.question_id])
    return answer
