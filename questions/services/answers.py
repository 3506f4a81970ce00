from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.trust import post_needs_review

from ..models import Answer, AnswerRevision, Question, QuestionFollow, Status
from .counters import question_counters_refresh
from .edits import delete_recorded, edit_needs_review, edit_queue, edit_recorded
from .notifications import notify_new_answer
from .related import related_questions_refresh_later


def answer_published(*, answer) -> None:
    """What publishing an answer sets off, at creation or when a moderator approves it."""
    Question.objects.filter(pk=answer.question_id).update(
        last_activity_at=timezone.now()
    )
    question_counters_refresh(answer.question_id)
    related_questions_refresh_later()  # its words count in the related lists
    if answer.author_id:
        User.objects.filter(pk=answer.author_id).update(
            approved_post_count=F("approved_post_count") + 1
        )
    notify_new_answer(answer=answer)


def answer_visibility_changed(*, answer) -> None:
    """An answer was hidden, restored, rejected or deleted: counters, search and the related
    lists follow."""
    question_counters_refresh(answer.question_id)
    related_questions_refresh_later()


@transaction.atomic
def answer_create(*, question, author, body) -> Answer:
    """Post a community answer with its first revision. New members' answers wait for review.

    A closed question takes none (the view says so first)."""
    if not question.accepts_answers:
        raise ValidationError("This question is closed: it takes no new answers.")
    status = Status.PENDING if post_needs_review(author) else Status.PUBLISHED
    answer = Answer(
        question=question, author=author, body=body, revision_count=1, status=status
    )
    # The text's own checks only: the question and author are rows the caller holds, and the
    # database checks the constraints anyway (full_clean would add six queries for them).
    answer.clean_fields(exclude=["question", "author"])
    answer.save()
    AnswerRevision.objects.create(
        answer=answer, number=1, editor=author, body=body, created_at=answer.created_at
    )
    # Authors follow what they answer; one statement whether or not they already do.
    QuestionFollow.objects.bulk_create(
        [QuestionFollow(user=author, question=question)], ignore_conflicts=True
    )
    if status == Status.PUBLISHED:
        answer_published(answer=answer)
    return answer


@transaction.atomic
def answer_edit(*, answer, editor, body, audited=True) -> Answer:
    """Change an answer's text, keeping the old text as a revision. An unchanged text is not a revision.

    An author whose posts still wait for review stores the edit as a pending revision instead
    (`answer.edit_pending`): the published text stays until a moderator approves it.

    A moderator's edit of someone else's answer is audited, unless the caller (a rollback) writes
    its own entry (audited=False).
    """
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if edit_needs_review(post=answer, editor=editor):
        if body != answer.body and not answer.revisions.pending().exists():
            answer.revision_count += 1
            answer.save(update_fields=["revision_count"])
        answer.edit_pending = edit_queue(
            post=answer,
            revisions=answer.revisions,
            editor=editor,
            body=body,
            number=answer.revision_count,
            now=timezone.now(),
        )
        return answer
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
    if audited:
        edit_recorded(editor=editor, post=answer)
    if answer.status == Status.PUBLISHED:
        Question.objects.filter(pk=answer.question_id).update(
            last_activity_at=answer.updated_at
        )
        related_questions_refresh_later()
    return answer


@transaction.atomic
def answer_delete(*, answer, by, reason="") -> Answer:
    """Soft-delete: the answer disappears from the site but its votes and history stay in the
    database. Its author may restore it for a while if they deleted it themselves; a moderator's
    deletion of someone else's answer is audited (with `reason`)."""
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if answer.is_deleted:
        return answer
    answer.deleted_at = timezone.now()
    answer.deleted_by = by
    answer.save(update_fields=["deleted_at", "deleted_by"])
    answer_visibility_changed(answer=answer)
    delete_recorded(by=by, post=answer, reason=reason)
    return answer


@transaction.atomic
def answer_restore(*, answer) -> Answer:
    """Bring a deleted answer back as it was (awaiting review, hidden or published, with its
    votes). Who may is the caller's check: its author within the window, or a moderator."""
    answer = Answer.objects.select_for_update().get(pk=answer.pk)
    if not answer.is_deleted:
        return answer
    answer.deleted_at = None
    answer.deleted_by = None
    answer.save(update_fields=["deleted_at", "deleted_by"])
    answer_visibility_changed(answer=answer)
    return answer
