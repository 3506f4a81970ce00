"""Moderation actions. Each one changes the post or user, tells the people concerned, and writes
one audit log entry, all in one transaction."""

from datetime import timedelta
from http import HTTPStatus

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.services import moderators_group
from caching import rows_changed
from questions.models import (
    Answer,
    AnswerRevision,
    Comment,
    Notification,
    Question,
    Status,
)
from questions.services import curation
from questions.services.answers import (
    answer_edit,
    answer_published,
    answer_restore,
    answer_visibility_changed,
)
from questions.services.comments import (
    comment_edit,
    comment_published,
    comment_restore,
    comment_visibility_changed,
)
from questions.services.notifications import notification_send
from questions.services.questions import question_edit
from questions.services.related import related_questions_refresh
from questions.services.reputation import members_lock, reputation_canonical_mark

from .audit import audit, post_kind
from .models import FLAGS_PER_DAY, FLAGS_TO_HIDE, AuditLogEntry, Flag

Action = AuditLogEntry.Action
PURGE_SUSPENSION = timedelta(days=365 * 100)


class ModerationRefused(Exception):
    """An action the rules don't allow; `message` is for the person, `status` for the response."""

    def __init__(self, message, status=HTTPStatus.FORBIDDEN):
        super().__init__(message)
        self.message = message
        self.status = status


def _tell_author(post, message, actor=None):
    notification_send(
        recipient=post.author,
        actor=actor,
        kind=Notification.Kind.MODERATION,
        message=message,
        url=post.get_absolute_url(),
    )


def _locked(post):
    return type(post).objects.select_for_update().get(pk=post.pk)


def _lock_counter_row(post):
    """Lock the row whose counters a post's visibility feeds (an answer's question, a comment's
    answer) before they are recounted.

    The recount is one UPDATE with a COUNT subquery; on PostgreSQL the subquery sees the rows
    committed when the UPDATE started, so an UPDATE that had to wait for the row would overwrite
    a concurrent post's count with a stale one. Holding the lock first makes the recount a
    statement that starts after every other writer of the row has committed. The order (the
    post, then its parent) is the one the other writers use.
    """
    if isinstance(post, Answer):
        model, pk = Question, post.question_id
    elif isinstance(post, Comment) and post.answer_id:
        model, pk = Answer, post.answer_id
    else:
        return
    list(model.objects.select_for_update(no_key=True).filter(pk=pk).values("pk"))


def _set_status(post, status):
    post.status = status
    post.save(update_fields=["status"])
    _lock_counter_row(post)
    if isinstance(post, Answer):
        answer_visibility_changed(answer=post)
    elif isinstance(post, Comment):
        comment_visibility_changed(comment=post)


@transaction.atomic
def post_approve(*, moderator, post):
    """Publish a post that was awaiting review (or restore one that was hidden)."""
    post = _locked(post)
    if post.status == Status.PUBLISHED:
        return post
    was_pending = post.status == Status.PENDING
    if isinstance(post, Question):
        post.status = Status.PUBLISHED
        post.last_activity_at = timezone.now()
        post.save(update_fields=["status", "last_activity_at"])
        related_questions_refresh()  # it joins the bank: its list, and others'
    elif was_pending:
        post.status = Status.PUBLISHED
        post.save(update_fields=["status"])
        _lock_counter_row(post)
        publish = answer_published if isinstance(post, Answer) else comment_published
        publish(**{post_kind(post): post})
    else:
        _set_status(post, Status.PUBLISHED)
    audit(
        actor=moderator,
        action=Action.APPROVE if was_pending else Action.RESTORE,
        target=post,
    )
    _tell_author(
        post,
        f"Your {post_kind(post)} was {'approved' if was_pending else 'restored'} by a moderator.",
        moderator,
    )
    return post


def edited_post(revision):
    return revision.answer if isinstance(revision, AnswerRevision) else revision.comment


@transaction.atomic
def edit_approve(*, moderator, revision):
    """Publish an edit that was awaiting review: the post takes its text."""
    revision = type(revision).objects.select_for_update().get(pk=revision.pk)
    if revision.status != Status.PENDING:
        return revision
    post = _locked(edited_post(revision))
    post.body = revision.body
    post.updated_at = timezone.now()
    post.full_clean()
    post.save()
    revision.status = Status.PUBLISHED
    revision.save(update_fields=["status"])
    if isinstance(post, Answer) and post.status == Status.PUBLISHED:
        Question.objects.filter(pk=post.question_id).update(
            last_activity_at=post.updated_at
        )
    audit(
        actor=moderator,
        action=Action.APPROVE,
        target=post,
        reason=f"edit (revision {revision.number})",
    )
    _tell_author(
        post,
        f"Your edit of your {post_kind(post)} was approved by a moderator.",
        moderator,
    )
    return revision


@transaction.atomic
def edit_reject(*, moderator, revision, reason):
    """Refuse an edit awaiting review; the post keeps its approved text and the author is told why."""
    if not reason.strip():
        raise ModerationRefused(
            "Give a reason: the author is told why their edit was rejected.",
            HTTPStatus.BAD_REQUEST,
        )
    revision = type(revision).objects.select_for_update().get(pk=revision.pk)
    if revision.status != Status.PENDING:
        return revision
    revision.status = Status.REJECTED
    revision.save(update_fields=["status"])
    post = edited_post(revision)
    audit(
        actor=moderator,
        action=Action.REJECT,
        target=post,
        reason=f"edit (revision {revision.number}): {reason}",
    )
    _tell_author(
        post, f"Your edit of your {post_kind(post)} was rejected: {reason}", moderator
    )
    return revision


@transaction.atomic
def post_reject(*, moderator, post, reason):
    """Refuse a post awaiting review; the author is told why."""
    if not reason.strip():
        raise ModerationRefused(
            "Give a reason: the author is told why their post was rejected.",
            HTTPStatus.BAD_REQUEST,
        )
    post = _locked(post)
    _set_status(post, Status.REJECTED)
    audit(actor=moderator, action=Action.REJECT, target=post, reason=reason)
    _tell_author(post, f"Your {post_kind(post)} was rejected: {reason}", moderator)
    return post


@transaction.atomic
def post_hide(*, moderator, post, reason=""):
    post = _locked(post)
    if post.status == Status.HIDDEN:
        return post
    _set_status(post, Status.HIDDEN)
    audit(actor=moderator, action=Action.HIDE, target=post, reason=reason)
    if moderator is not None:
        if not isinstance(post, Question):
            # A moderator hiding a flagged post settles its flags: "Decline" must not bring it back.
            Flag.objects.filter(
                outcome=Flag.Outcome.OPEN, **{post_kind(post): post}
            ).update(
                outcome=Flag.Outcome.HELPFUL,
                resolved_by=moderator,
                resolved_at=timezone.now(),
            )
        _tell_author(
            post,
            f"Your {post_kind(post)} was hidden by a moderator{': ' + reason if reason else ''}.",
            moderator,
        )
    return post


@transaction.atomic
def post_restore(*, moderator, post):
    """Bring back an answer or comment that was deleted (by anyone) or hidden (by a moderator,
    a purge or three flags): one audited action. Open flags on a hidden post are declined, or
    the next flag would hide it again at once."""
    post = _locked(post)
    was_deleted, was_hidden = post.deleted_at is not None, post.status == Status.HIDDEN
    if not (was_deleted or was_hidden):
        raise ModerationRefused(
            "This post is neither deleted nor hidden.", HTTPStatus.BAD_REQUEST
        )
    if was_deleted:
        restore = answer_restore if isinstance(post, Answer) else comment_restore
        post = restore(**{post_kind(post): post})
    if was_hidden:
        Flag.objects.filter(
            outcome=Flag.Outcome.OPEN, **{post_kind(post): post}
        ).update(
            outcome=Flag.Outcome.DECLINED,
            resolved_by=moderator,
            resolved_at=timezone.now(),
        )
        _set_status(post, Status.PUBLISHED)
    audit(
        actor=moderator,
        action=Action.RESTORE,
        target=post,
        reason="deleted and hidden"
        if was_deleted and was_hidden
        else ("deleted" if was_deleted else "hidden"),
    )
    if post.author_id:
        _tell_author(
            post, f"Your {post_kind(post)} was restored by a moderator.", moderator
        )
    return post


def _day_ago():
    return timezone.now() - timedelta(hours=24)


@transaction.atomic
def flag_create(*, user, post, reason, note=""):
    """Flag an answer or comment; the third member's flag hides it until a moderator decides."""
    post = _locked(post)
    if post.status != Status.PUBLISHED or post.deleted_at is not None:
        raise ModerationRefused(
            "This post is not published, so it can't be flagged.", HTTPStatus.NOT_FOUND
        )
    if post.author_id == user.pk:
        raise ModerationRefused(
            "You can't flag your own post: edit or delete it instead."
        )
    if (
        Flag.objects.filter(user=user, created_at__gte=_day_ago()).count()
        >= FLAGS_PER_DAY
    ):
        raise ModerationRefused(
            f"You can flag at most {FLAGS_PER_DAY} posts a day.",
            HTTPStatus.TOO_MANY_REQUESTS,
        )
    if reason == Flag.Reason.OTHER and not note.strip():
        # Checked here: the database's check constraint would surface as an IntegrityError,
        # which the handler below would misreport as a duplicate flag.
        raise ModerationRefused(
            "Tell the moderators what is wrong in a note.", HTTPStatus.BAD_REQUEST
        )
    flag = Flag(user=user, reason=reason, note=note.strip(), **{post_kind(post): post})
    flag.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            flag.save()
    except IntegrityError:
        raise ModerationRefused(
            "You have already flagged this post.", HTTPStatus.CONFLICT
        ) from None
    flaggers = (
        Flag.objects.filter(outcome=Flag.Outcome.OPEN, **{post_kind(post): post})
        .values("user")
        .distinct()
        .count()
    )
    if flaggers >= FLAGS_TO_HIDE:
        post_hide(moderator=None, post=post, reason=f"{flaggers} members flagged it")
    return flag


@transaction.atomic
def flags_resolve(*, moderator, post, helpful, reason=""):
    """Settle every open flag on a post: helpful hides it (unless a moderator edited it meanwhile
    and restores it), declined restores a post the flags had hidden."""
    post = _locked(post)
    now = timezone.now()
    open_flags = Flag.objects.select_for_update().filter(
        outcome=Flag.Outcome.OPEN, **{post_kind(post): post}
    )
    count = open_flags.update(
        outcome=Flag.Outcome.HELPFUL if helpful else Flag.Outcome.DECLINED,
        resolved_by=moderator,
        resolved_at=now,
    )
    if not count:
        raise ModerationRefused("This post has no open flags.", HTTPStatus.NOT_FOUND)
    audit(
        actor=moderator,
        action=Action.FLAG_HELPFUL if helpful else Action.FLAG_DECLINED,
        target=post,
        reason=reason,
    )
    # The FLAG_HELPFUL / FLAG_DECLINED entry above records the hide or restore too: one entry.
    if helpful and post.status == Status.PUBLISHED:
        _set_status(post, Status.HIDDEN)
        _tell_author(
            post,
            f"Your {post_kind(post)} was hidden by a moderator: {reason or 'flagged'}.",
            moderator,
        )
    elif not helpful and post.status == Status.HIDDEN:
        _set_status(post, Status.PUBLISHED)
    return count


CANONICAL_ATTEMPTS = 3


@transaction.atomic
def canonical_set(*, moderator, answer, canonical=True):
    """Mark an answer canonical for its question (replacing any other), or unmark it.

    No question lock: hides, deletions and votes lock an answer and then update its question, so
    taking the question first would deadlock with them. The database's one-canonical-per-question
    index settles two marks at once instead: the later one fails, rolls back to its savepoint
    (releasing what it locked) and tries again, and then sees the first mark and replaces it.
    """
    for attempt in range(CANONICAL_ATTEMPTS):
        try:
            with transaction.atomic():
                return _canonical_set(moderator, answer, canonical)
        except IntegrityError:
            if attempt == CANONICAL_ATTEMPTS - 1:
                raise


def _canonical_set(moderator, answer, canonical):
    # Lock order, the one every writer uses: answer rows (primary-key order), then the members
    # whose reputation changes (primary-key order).
    locked = {
        a.pk: a
        for a in Answer.objects.select_for_update()
        .filter(Q(pk=answer.pk) | Q(question=answer.question_id, is_canonical=True))
        .order_by("pk")
    }
    answer = locked.pop(answer.pk)
    if answer.status != Status.PUBLISHED or answer.is_deleted:
        raise ModerationRefused(
            "Only a published answer can be canonical.", HTTPStatus.BAD_REQUEST
        )
    if not canonical:
        if answer.is_canonical:
            members_lock(answer.author_id)
            _canonical_clear(moderator, answer)
        return answer
    if answer.is_canonical:
        return answer
    previous = sorted(locked.values(), key=lambda a: a.pk)
    members_lock(answer.author_id, *(p.author_id for p in previous))
    for other in previous:
        _canonical_clear(moderator, other)
    answer.is_canonical = True
    answer.canonical_marked_by = moderator
    answer.canonical_marked_at = timezone.now()
    answer.save(
        update_fields=["is_canonical", "canonical_marked_by", "canonical_marked_at"]
    )
    reputation_canonical_mark(answer=answer, marked=True)
    audit(actor=moderator, action=Action.CANONICAL_MARK, target=answer)
    if answer.author_id:
        notification_send(
            recipient=answer.author,
            actor=moderator,
            kind=Notification.Kind.CANONICAL,
            message=f"Your answer to “{answer.question.prompt[:200]}” was marked canonical.",
            url=answer.get_absolute_url(),
        )
    return answer


def _canonical_clear(moderator, answer):
    answer.is_canonical = False
    answer.canonical_marked_by = None
    answer.canonical_marked_at = None
    answer.save(
        update_fields=["is_canonical", "canonical_marked_by", "canonical_marked_at"]
    )
    reputation_canonical_mark(answer=answer, marked=False)
    audit(actor=moderator, action=Action.CANONICAL_UNMARK, target=answer)


@transaction.atomic
def answer_rollback(*, moderator, answer, number):
    """Restore an earlier revision's text as a new revision."""
    revision = answer.revisions.filter(number=number, status=Status.PUBLISHED).first()
    if revision is None:
        raise ModerationRefused("No such revision.", HTTPStatus.NOT_FOUND)
    # audited=False: the ROLLBACK entry below is this action's one entry, not an EDIT as well.
    answer = answer_edit(
        answer=answer, editor=moderator, body=revision.body, audited=False
    )
    audit(
        actor=moderator,
        action=Action.ROLLBACK,
        target=answer,
        reason=f"to revision {number}",
    )
    return answer


@transaction.atomic
def question_rollback(*, moderator, question, number):
    """Restore an earlier revision's title and details as a new revision."""
    revision = question.revisions.filter(number=number, status=Status.PUBLISHED).first()
    if revision is None:
        raise ModerationRefused("No such revision.", HTTPStatus.NOT_FOUND)
    try:
        question = question_edit(
            question=question,
            editor=moderator,
            title=revision.title,
            body=revision.body,
            topic=question.topic,
            difficulty=question.difficulty,
            audited=False,
        )
    except ValidationError as error:  # another question has taken that title since
        raise _refused(error) from None
    audit(
        actor=moderator,
        action=Action.ROLLBACK,
        target=question,
        reason=f"to revision {number}",
    )
    return question


@transaction.atomic
def comment_rollback(*, moderator, comment, number):
    """Restore an earlier revision of a comment's text as a new revision."""
    revision = comment.revisions.filter(number=number, status=Status.PUBLISHED).first()
    if revision is None:
        raise ModerationRefused("No such revision.", HTTPStatus.NOT_FOUND)
    comment = comment_edit(
        comment=comment, body=revision.body, editor=moderator, audited=False
    )
    audit(
        actor=moderator,
        action=Action.ROLLBACK,
        target=comment,
        reason=f"to revision {number}",
    )
    return comment


def _suspend(*, user, until, reason):
    """Check and store a suspension; the caller writes the one audit entry."""
    if not reason.strip():
        raise ModerationRefused(
            "Give a reason: the member sees it.", HTTPStatus.BAD_REQUEST
        )
    if until <= timezone.now():
        raise ModerationRefused(
            "The suspension must end in the future.", HTTPStatus.BAD_REQUEST
        )
    if user.is_moderator:
        raise ModerationRefused(
            "Remove the moderator role before suspending a moderator."
        )
    User.objects.filter(pk=user.pk).update(
        suspended_until=until, suspension_reason=reason.strip()[:300]
    )
    rows_changed(User, [user], fields=["suspended_until"])  # no signal for an UPDATE
    user.refresh_from_db()
    return user


@transaction.atomic
def user_suspend(*, moderator, user, until, reason):
    user = _suspend(user=user, until=until, reason=reason)
    audit(
        actor=moderator,
        action=Action.SUSPEND,
        target=user,
        reason=f"until {until:%Y-%m-%d %H:%M}: {reason}",
    )
    return user


@transaction.atomic
def user_unsuspend(*, moderator, user):
    User.objects.filter(pk=user.pk).update(suspended_until=None, suspension_reason="")
    rows_changed(User, [user], fields=["suspended_until"])  # no signal for an UPDATE
    audit(actor=moderator, action=Action.UNSUSPEND, target=user)
    user.refresh_from_db()
    return user


@transaction.atomic
def user_purge(*, moderator, user, reason):
    """Suspend a spammer indefinitely and hide every post of theirs in one action."""
    # _suspend, not user_suspend: the PURGE entry below is this action's one entry.
    user = _suspend(user=user, until=timezone.now() + PURGE_SUSPENSION, reason=reason)
    hidden = 0
    for model in (Answer, Comment):
        for post in (
            model.objects.select_for_update()
            .filter(
                author=user,
                deleted_at__isnull=True,
                status__in=[Status.PUBLISHED, Status.PENDING],
            )
            .order_by("pk")  # one lock order with the other writers
        ):
            _set_status(post, Status.HIDDEN)
            hidden += 1
    pending = Question.objects.filter(author=user, status=Status.PENDING)
    rejected = list(pending.only("pk", "author_id"))
    pending.update(status=Status.REJECTED)
    rows_changed(Question, rejected, fields=["status"])  # no signal for an UPDATE
    audit(
        actor=moderator,
        action=Action.PURGE,
        target=user,
        reason=f"{hidden} posts hidden: {reason}",
    )
    return hidden


@transaction.atomic
def moderator_set(*, user: User, is_moderator: bool, actor: User | None = None) -> None:
    """Grant or revoke the moderator role; the change is written to the audit log."""
    group = moderators_group()
    if is_moderator == user.groups.filter(pk=group.pk).exists():
        return
    if is_moderator:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    action = Action.ROLE_GRANT if is_moderator else Action.ROLE_REVOKE
    audit(actor=actor, action=action, target=user)


def _refused(error: ValidationError) -> ModerationRefused:
    return ModerationRefused(" ".join(error.messages), HTTPStatus.BAD_REQUEST)


@transaction.atomic
def question_close(*, moderator, question, reason, duplicate_of=None, note=""):
    """Close a question with a reason (see questions.services.curation), audited."""
    try:
        question = curation.question_close(
            question=question,
            by=moderator,
            reason=reason,
            duplicate_of=duplicate_of,
            note=note,
        )
    except ValidationError as error:
        raise _refused(error) from None
    why = question.get_close_reason_display()
    if question.duplicate_of_id:
        why += f" of question {question.duplicate_of_id}"
    audit(
        actor=moderator,
        action=Action.CLOSE,
        target=question,
        reason=f"{why}: {note}" if note.strip() else why,
    )
    return question


@transaction.atomic
def question_reopen(*, moderator, question):
    if question.closed_at is None:
        raise ModerationRefused("This question is open.", HTTPStatus.BAD_REQUEST)
    question = curation.question_reopen(question=question)
    audit(actor=moderator, action=Action.REOPEN, target=question)
    return question


@transaction.atomic
def question_merge(*, moderator, source, target, reason=""):
    """Merge `source` into `target` (see questions.services.curation), audited on `source` with
    the question it went into."""
    try:
        target = curation.question_merge(source=source, target=target, by=moderator)
    except ValidationError as error:
        raise _refused(error) from None
    source.refresh_from_db()
    note = f"into question {target.pk} “{target.title[:150]}”"
    audit(
        actor=moderator,
        action=Action.MERGE,
        target=source,
        reason=f"{note}: {reason.strip()}" if reason.strip() else note,
    )
    return target
