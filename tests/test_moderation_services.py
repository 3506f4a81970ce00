"""Moderation services against the database: the review queue, flags, canonical answers,
suspensions, purges, proposals, rollbacks and the append-only audit log."""

from datetime import timedelta
from http import HTTPStatus
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from moderation import services
from moderation.models import FLAGS_PER_DAY, AuditLogEntry, Flag
from moderation.rules import post_needs_review
from moderation.services import ModerationRefused, moderator_set
from questions.models import (
    Answer,
    Comment,
    Notification,
    Question,
    QuestionFollow,
    Status,
)
from questions.services import curation
from questions.services.answers import answer_create, answer_delete, answer_edit
from questions.services.comments import comment_create, comment_edit
from questions.services.questions import question_edit, question_propose
from questions.services.votes import VoteRefused, vote_cast
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

Action = AuditLogEntry.Action
BODY = "Gradient descent moves the weights against the gradient of the loss."
NEW_TITLE = "How does dropout act as a regulariser in a neural network?"


def refresh(*objects):
    for obj in objects:
        obj.refresh_from_db()
    return objects[0] if len(objects) == 1 else objects


def entries_after(last_id):
    return list(AuditLogEntry.objects.filter(pk__gt=last_id).order_by("pk"))


def last_entry_id():
    return (
        AuditLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    )


def published_answer(question=None, author=None, body=BODY):
    return answer_create(
        question=question or QuestionFactory(),
        author=author or UserFactory(trusted=True),
        body=body,
    )


# The review queue


@pytest.mark.parametrize(
    ("approved_posts", "reputation", "waits"),
    [(0, 0, True), (2, 15, True), (3, 14, True), (3, 15, False), (10, 100, False)],
)
def test_posts_wait_until_three_approved_posts_and_15_reputation(
    approved_posts, reputation, waits
):
    member = UserFactory(approved_post_count=approved_posts, reputation=reputation)
    assert post_needs_review(member) is waits


def test_moderators_never_wait():
    assert post_needs_review(UserFactory(moderator=True)) is False


def test_a_new_members_answer_waits_uncounted_and_cannot_be_voted_on(new_user, user):
    question = QuestionFactory()
    follower = UserFactory(trusted=True)
    QuestionFollow.objects.create(user=follower, question=question)
    answer = answer_create(question=question, author=new_user, body=BODY)
    assert answer.status == Status.PENDING
    assert refresh(question).answer_count == 0
    assert not Answer.objects.visible().filter(pk=answer.pk).exists()
    assert not Notification.objects.filter(recipient=follower).exists()
    assert refresh(new_user).approved_post_count == 0
    with pytest.raises(VoteRefused) as refused:
        vote_cast(user=user, answer=answer, value=1)
    assert refused.value.status == HTTPStatus.NOT_FOUND


def test_a_new_members_comment_waits_uncounted_and_unannounced(new_user):
    answer = published_answer()
    comment = comment_create(author=new_user, body="What about Adam?", answer=answer)
    assert comment.status == Status.PENDING
    assert refresh(answer).comment_count == 0
    assert not Comment.objects.visible().filter(pk=comment.pk).exists()
    assert not Notification.objects.filter(recipient=answer.author).exists()


def test_approving_an_answer_publishes_counts_and_tells_followers_and_author(
    new_user, user, moderator
):
    question = QuestionFactory()
    follower = UserFactory(trusted=True)
    QuestionFollow.objects.create(user=follower, question=question)
    answer = answer_create(question=question, author=new_user, body=BODY)

    services.post_approve(moderator=moderator, post=answer)

    assert refresh(answer).status == Status.PUBLISHED
    assert refresh(question).answer_count == 1
    assert refresh(new_user).approved_post_count == 1
    assert Notification.objects.filter(
        recipient=follower, kind=Notification.Kind.ANSWER
    ).exists()
    told = Notification.objects.get(
        recipient=new_user, kind=Notification.Kind.MODERATION
    )
    assert "approved" in told.message and told.actor == moderator
    assert vote_cast(user=user, answer=answer, value=1).score == 1


def test_approving_a_comment_publishes_counts_and_tells_the_answer_author(
    new_user, moderator
):
    answer = published_answer()
    comment = comment_create(author=new_user, body="What about Adam?", answer=answer)
    services.post_approve(moderator=moderator, post=comment)
    assert refresh(comment).status == Status.PUBLISHED
    assert refresh(answer).comment_count == 1
    assert refresh(new_user).approved_post_count == 1
    assert Notification.objects.filter(
        recipient=answer.author, kind=Notification.Kind.COMMENT
    ).exists()
    assert "approved" in Notification.objects.get(recipient=new_user).message


def test_approving_twice_changes_nothing_more(new_user, moderator):
    answer = answer_create(question=QuestionFactory(), author=new_user, body=BODY)
    services.post_approve(moderator=moderator, post=answer)
    last = last_entry_id()
    services.post_approve(moderator=moderator, post=answer)
    assert refresh(new_user).approved_post_count == 1
    assert entries_after(last) == []


def test_after_three_approved_posts_and_15_reputation_a_member_publishes_directly(
    moderator,
):
    member = UserFactory()
    questions = QuestionFactory.create_batch(3)
    answers = [answer_create(question=q, author=member, body=BODY) for q in questions]
    for answer in answers:
        services.post_approve(moderator=moderator, post=answer)
    assert refresh(member).approved_post_count == 3
    # Three approved posts but no reputation yet: still reviewed.
    assert (
        answer_create(question=QuestionFactory(), author=member, body=BODY).status
        == Status.PENDING
    )
    services.canonical_set(moderator=moderator, answer=answers[0])  # +15
    assert refresh(member).reputation == 15
    assert (
        answer_create(question=QuestionFactory(), author=member, body=BODY).status
        == Status.PUBLISHED
    )
    comment = comment_create(author=member, body="Also see Adam.", answer=answers[1])
    assert comment.status == Status.PUBLISHED


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejecting_needs_a_reason(new_user, moderator, reason):
    answer = answer_create(question=QuestionFactory(), author=new_user, body=BODY)
    last = last_entry_id()
    with pytest.raises(ModerationRefused) as refused:
        services.post_reject(moderator=moderator, post=answer, reason=reason)
    assert refused.value.status == HTTPStatus.BAD_REQUEST
    assert refresh(answer).status == Status.PENDING
    assert entries_after(last) == []
    assert not Notification.objects.filter(recipient=new_user).exists()


def test_rejecting_tells_the_author_why_and_publishes_nothing(new_user, moderator):
    answer = answer_create(question=QuestionFactory(), author=new_user, body=BODY)
    services.post_reject(moderator=moderator, post=answer, reason="Copied from a blog.")
    assert refresh(answer).status == Status.REJECTED
    assert refresh(answer.question).answer_count == 0
    assert refresh(new_user).approved_post_count == 0
    told = Notification.objects.get(recipient=new_user)
    assert "rejected" in told.message and "Copied from a blog." in told.message


# Flags


def test_a_member_flags_a_post_once(user):
    answer = published_answer()
    services.flag_create(user=user, post=answer, reason=Flag.Reason.SPAM)
    with pytest.raises(ModerationRefused) as refused:
        services.flag_create(user=user, post=answer, reason=Flag.Reason.RUDE)
    assert refused.value.status == HTTPStatus.CONFLICT
    assert Flag.objects.count() == 1


def test_at_most_ten_flags_a_day(user):
    for _ in range(FLAGS_PER_DAY):
        services.flag_create(user=user, post=published_answer(), reason="spam")
    with pytest.raises(ModerationRefused) as refused:
        services.flag_create(user=user, post=published_answer(), reason="spam")
    assert refused.value.status == HTTPStatus.TOO_MANY_REQUESTS
    assert Flag.objects.count() == FLAGS_PER_DAY


def test_flags_older_than_a_day_leave_the_limit(user):
    for _ in range(FLAGS_PER_DAY):
        services.flag_create(user=user, post=published_answer(), reason="spam")
    Flag.objects.update(created_at=timezone.now() - timedelta(hours=25))
    services.flag_create(user=user, post=published_answer(), reason="spam")


def test_flagging_your_own_post_is_refused(user):
    answer = published_answer(author=user)
    with pytest.raises(ModerationRefused) as refused:
        services.flag_create(user=user, post=answer, reason="spam")
    assert refused.value.status == HTTPStatus.FORBIDDEN
    assert not Flag.objects.exists()


def test_other_needs_a_note(user):
    answer = published_answer()
    with pytest.raises(ModerationRefused) as refused:
        services.flag_create(user=user, post=answer, reason=Flag.Reason.OTHER)
    assert refused.value.status == HTTPStatus.BAD_REQUEST
    flag = services.flag_create(
        user=user, post=answer, reason=Flag.Reason.OTHER, note="Links to malware."
    )
    assert flag.note == "Links to malware."


def test_a_post_awaiting_review_cannot_be_flagged(user, new_user):
    answer = answer_create(question=QuestionFactory(), author=new_user, body=BODY)
    with pytest.raises(ModerationRefused) as refused:
        services.flag_create(user=user, post=answer, reason="spam")
    assert refused.value.status == HTTPStatus.NOT_FOUND


def test_three_members_flags_hide_an_answer_by_the_sites_rule():
    answer = published_answer()
    flaggers = UserFactory.create_batch(3, trusted=True)
    services.flag_create(user=flaggers[0], post=answer, reason="spam")
    services.flag_create(user=flaggers[1], post=answer, reason="rude")
    assert refresh(answer).status == Status.PUBLISHED
    last = last_entry_id()
    services.flag_create(user=flaggers[2], post=answer, reason="wrong")
    assert refresh(answer).status == Status.HIDDEN
    assert refresh(answer.question).answer_count == 0
    assert not Answer.objects.visible().filter(pk=answer.pk).exists()
    [entry] = entries_after(last)
    assert (entry.action, entry.actor, entry.target_type, entry.target_id) == (
        Action.HIDE,
        None,
        "answer",
        answer.pk,
    )
    assert entry.reason == "3 members flagged it"


def test_three_flags_hide_a_comment_too():
    answer = published_answer()
    comment = comment_create(
        author=UserFactory(trusted=True), body="Buy my course.", answer=answer
    )
    for flagger in UserFactory.create_batch(3, trusted=True):
        services.flag_create(user=flagger, post=comment, reason="spam")
    assert refresh(comment).status == Status.HIDDEN
    assert refresh(answer).comment_count == 0


def test_helpful_flags_hide_the_post_and_tell_its_author(user, moderator):
    answer = published_answer()
    services.flag_create(user=user, post=answer, reason="wrong")
    last = last_entry_id()
    resolved = services.flags_resolve(
        moderator=moderator, post=answer, helpful=True, reason="Plain wrong."
    )
    assert resolved == 1
    assert refresh(answer).status == Status.HIDDEN
    assert refresh(answer.question).answer_count == 0
    flag = Flag.objects.get()
    assert (flag.outcome, flag.resolved_by) == (Flag.Outcome.HELPFUL, moderator)
    assert flag.resolved_at is not None
    [entry] = entries_after(last)
    assert (entry.action, entry.actor, entry.reason) == (
        Action.FLAG_HELPFUL,
        moderator,
        "Plain wrong.",
    )
    assert "hidden" in Notification.objects.get(recipient=answer.author).message


def test_declined_flags_restore_a_post_the_flags_had_hidden(moderator):
    answer = published_answer()
    for flagger in UserFactory.create_batch(3, trusted=True):
        services.flag_create(user=flagger, post=answer, reason="spam")
    assert refresh(answer).status == Status.HIDDEN
    last = last_entry_id()
    assert services.flags_resolve(moderator=moderator, post=answer, helpful=False) == 3
    assert refresh(answer).status == Status.PUBLISHED
    assert refresh(answer.question).answer_count == 1
    assert set(Flag.objects.values_list("outcome", flat=True)) == {
        Flag.Outcome.DECLINED
    }
    [entry] = entries_after(last)
    assert (entry.action, entry.actor) == (Action.FLAG_DECLINED, moderator)


def test_resolving_a_post_without_open_flags_is_refused(moderator):
    with pytest.raises(ModerationRefused) as refused:
        services.flags_resolve(
            moderator=moderator, post=published_answer(), helpful=True
        )
    assert refused.value.status == HTTPStatus.NOT_FOUND


# Canonical answers


def test_marking_canonical_gives_15_reputation_and_tells_the_author(moderator):
    answer = published_answer()
    services.canonical_set(moderator=moderator, answer=answer)
    answer = refresh(answer)
    assert answer.is_canonical and answer.canonical_marked_by == moderator
    assert answer.canonical_marked_at is not None
    assert refresh(answer.author).reputation == 15 + 15  # trusted members start at 15
    told = Notification.objects.get(recipient=answer.author)
    assert told.kind == Notification.Kind.CANONICAL and told.actor == moderator


def test_marking_another_answer_replaces_the_canonical_one(moderator):
    question = QuestionFactory()
    first, second = published_answer(question), published_answer(question)
    services.canonical_set(moderator=moderator, answer=first)
    last = last_entry_id()
    services.canonical_set(moderator=moderator, answer=second)
    first, second = refresh(first), refresh(second)
    assert not first.is_canonical and first.canonical_marked_by is None
    assert second.is_canonical
    assert refresh(first.author).reputation == 15
    assert refresh(second.author).reputation == 30
    # Two objects changed, so two entries: the old one's unmark, then the new mark.
    assert [(e.action, e.target_id) for e in entries_after(last)] == [
        (Action.CANONICAL_UNMARK, first.pk),
        (Action.CANONICAL_MARK, second.pk),
    ]


def test_the_database_allows_one_canonical_answer_per_question(moderator):
    question = QuestionFactory()
    first, second = published_answer(question), published_answer(question)
    services.canonical_set(moderator=moderator, answer=first)
    second.is_canonical = True
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    assert Answer.objects.filter(question=question, is_canonical=True).count() == 1


def test_unmarking_reverses_the_reputation(moderator):
    answer = published_answer()
    services.canonical_set(moderator=moderator, answer=answer)
    last = last_entry_id()
    services.canonical_set(moderator=moderator, answer=answer, canonical=False)
    answer = refresh(answer)
    assert not answer.is_canonical and answer.canonical_marked_at is None
    assert refresh(answer.author).reputation == 15
    [entry] = entries_after(last)
    assert (entry.action, entry.actor) == (Action.CANONICAL_UNMARK, moderator)
    # Unmarking an answer that is not canonical changes nothing.
    services.canonical_set(moderator=moderator, answer=answer, canonical=False)
    assert refresh(answer.author).reputation == 15 and len(entries_after(last)) == 1


def test_only_a_published_answer_can_be_canonical(new_user, moderator):
    answer = answer_create(question=QuestionFactory(), author=new_user, body=BODY)
    with pytest.raises(ModerationRefused) as refused:
        services.canonical_set(moderator=moderator, answer=answer)
    assert refused.value.status == HTTPStatus.BAD_REQUEST
    assert not refresh(answer).is_canonical


# Suspension and purge


def test_suspending_and_lifting_it(user, moderator):
    until = timezone.now() + timedelta(days=3)
    services.user_suspend(moderator=moderator, user=user, until=until, reason="Spam")
    user = refresh(user)
    assert user.is_suspended and user.suspension_reason == "Spam"
    services.user_unsuspend(moderator=moderator, user=user)
    user = refresh(user)
    assert not user.is_suspended and user.suspension_reason == ""


@pytest.mark.parametrize(
    ("days", "reason", "status"),
    [(3, " ", HTTPStatus.BAD_REQUEST), (-1, "Spam", HTTPStatus.BAD_REQUEST)],
)
def test_a_suspension_needs_a_reason_and_an_end_in_the_future(
    user, moderator, days, reason, status
):
    with pytest.raises(ModerationRefused) as refused:
        services.user_suspend(
            moderator=moderator,
            user=user,
            until=timezone.now() + timedelta(days=days),
            reason=reason,
        )
    assert refused.value.status == status
    assert not refresh(user).is_suspended


def test_moderators_are_not_suspended(moderator):
    other = UserFactory(moderator=True)
    with pytest.raises(ModerationRefused) as refused:
        services.user_suspend(
            moderator=moderator,
            user=other,
            until=timezone.now() + timedelta(days=1),
            reason="Spam",
        )
    assert refused.value.status == HTTPStatus.FORBIDDEN


def test_purge_hides_every_post_and_the_counts_drop(moderator):
    spammer = UserFactory(trusted=True)
    question = QuestionFactory()
    answer = answer_create(question=question, author=spammer, body=BODY)
    other_answer = published_answer(question)
    comment = comment_create(author=spammer, body="Buy my course.", answer=other_answer)
    proposal = question_propose(
        author=spammer,
        title=NEW_TITLE,
        body="",
        topic=question.topic,
        difficulty="easy",
    )
    User.objects.filter(pk=spammer.pk).update(approved_post_count=0)  # now reviewed
    pending = answer_create(
        question=QuestionFactory(), author=refresh(spammer), body=BODY
    )
    assert pending.status == Status.PENDING
    assert (refresh(question).answer_count, refresh(other_answer).comment_count) == (
        2,
        1,
    )
    last = last_entry_id()

    hidden = services.user_purge(moderator=moderator, user=spammer, reason="Spam ring")

    assert hidden == 3
    for post in (answer, comment, pending):
        assert refresh(post).status == Status.HIDDEN
    assert refresh(proposal).status == Status.REJECTED
    assert (refresh(question).answer_count, refresh(other_answer).comment_count) == (
        1,
        0,
    )
    assert refresh(other_answer).status == Status.PUBLISHED
    spammer = refresh(spammer)
    assert spammer.is_suspended
    assert spammer.suspended_until > timezone.now() + timedelta(days=365 * 50)
    [entry] = entries_after(last)
    assert (entry.action, entry.actor, entry.target_id) == (
        Action.PURGE,
        moderator,
        spammer.pk,
    )
    assert entry.reason == "3 posts hidden: Spam ring"


# Question proposals and edits


def test_a_proposal_waits_for_review_with_its_first_revision(user):
    topic = QuestionFactory().topic
    question = question_propose(
        author=user, title=NEW_TITLE, body="", topic=topic, difficulty="medium"
    )
    assert question.status == Status.PENDING
    assert not Question.objects.published().filter(pk=question.pk).exists()
    assert list(question.revisions.values_list("number", "title")) == [(1, NEW_TITLE)]


def test_a_moderators_proposal_is_published_at_once(moderator):
    topic = QuestionFactory().topic
    question = question_propose(
        author=moderator, title=NEW_TITLE, body="", topic=topic, difficulty="medium"
    )
    assert question.status == Status.PUBLISHED


@pytest.mark.parametrize(
    "title",
    [
        NEW_TITLE,
        NEW_TITLE.upper(),
        "How does drop-out act as a regulariser in a neural network",
    ],
)
def test_a_duplicate_title_is_a_validation_error_on_the_title(user, title):
    topic = QuestionFactory().topic
    question_propose(
        author=user, title=NEW_TITLE, body="", topic=topic, difficulty="easy"
    )
    with pytest.raises(ValidationError) as error:
        question_propose(
            author=user, title=title, body="", topic=topic, difficulty="easy"
        )
    assert "already in the bank" in error.value.message_dict["title"][0]
    assert Question.objects.filter(author=user).count() == 1


def test_approving_a_proposal_puts_it_in_the_bank(user, moderator):
    topic = QuestionFactory().topic
    question = question_propose(
        author=user, title=NEW_TITLE, body="", topic=topic, difficulty="medium"
    )
    last = last_entry_id()
    services.post_approve(moderator=moderator, post=question)
    assert Question.objects.published().filter(pk=question.pk).exists()
    [entry] = entries_after(last)
    assert (entry.action, entry.target_type) == (Action.APPROVE, "question")
    assert "approved" in Notification.objects.get(recipient=user).message


def test_a_moderator_edit_keeps_the_original_as_a_revision_and_is_audited(moderator):
    question = QuestionFactory(body="Original details.")  # imported: no revision yet
    last = last_entry_id()
    question_edit(
        question=question,
        editor=moderator,
        title=question.title,
        body="Clearer details.",
        topic=question.topic,
        difficulty=question.difficulty,
    )
    assert list(question.revisions.values_list("number", "body", "editor")) == [
        (1, "Original details.", None),
        (2, "Clearer details.", moderator.pk),
    ]
    [entry] = entries_after(last)
    assert (entry.action, entry.actor, entry.target_type, entry.target_id) == (
        Action.EDIT,
        moderator,
        "question",
        question.pk,
    )


def test_an_author_editing_their_proposal_is_not_a_moderation_action(user):
    topic = QuestionFactory().topic
    question = question_propose(
        author=user, title=NEW_TITLE, body="", topic=topic, difficulty="medium"
    )
    last = last_entry_id()
    question_edit(
        question=question,
        editor=user,
        title=NEW_TITLE,
        body="More context.",
        topic=topic,
        difficulty="hard",
    )
    assert question.revisions.count() == 2
    assert entries_after(last) == []


# Rollback


def test_rollback_restores_revision_one_as_a_new_revision(moderator):
    answer = published_answer()
    answer_edit(answer=answer, editor=answer.author, body=BODY + " Vandalised.")
    last = last_entry_id()
    answer = services.answer_rollback(moderator=moderator, answer=answer, number=1)
    assert refresh(answer).body == BODY and answer.revision_count == 3
    assert list(answer.revisions.values_list("number", "body", "editor")) == [
        (1, BODY, answer.author_id),
        (2, BODY + " Vandalised.", answer.author_id),
        (3, BODY, moderator.pk),
    ]
    [entry] = entries_after(last)
    assert (entry.action, entry.actor, entry.target_id, entry.reason) == (
        Action.ROLLBACK,
        moderator,
        answer.pk,
        "to revision 1",
    )


def test_rollback_to_a_missing_revision_is_refused(moderator):
    with pytest.raises(ModerationRefused) as refused:
        services.answer_rollback(
            moderator=moderator, answer=published_answer(), number=7
        )
    assert refused.value.status == HTTPStatus.NOT_FOUND


# The audit log: one entry per action, with the right action, actor, target and reason


def _pending_answer(m):
    return answer_create(question=QuestionFactory(), author=m.new_member, body=BODY)


def _flagged_answer(m):
    answer = published_answer()
    services.flag_create(user=m.member, post=answer, reason="spam")
    return answer


def _canonical_answer(m):
    answer = published_answer()
    services.canonical_set(moderator=m.moderator, answer=answer)
    return answer


def _edited_answer(m):
    answer = published_answer()
    return answer_edit(answer=answer, editor=answer.author, body=BODY + " Later.")


def _hidden_answer(m):
    return services.post_hide(moderator=m.moderator, post=published_answer())


def _deleted_answer(m):
    answer = published_answer()
    return answer_delete(answer=answer, by=answer.author)


def _until():
    return timezone.now() + timedelta(days=2)


def _closed_question(m):
    return curation.question_close(
        question=QuestionFactory(), by=m.moderator, reason="off-topic"
    )


def _edited_question(m):
    question = QuestionFactory()
    return question_edit(
        question=question,
        editor=m.member,
        title=question.title + " Reworded?",
        body="",
        topic=question.topic,
        difficulty=question.difficulty,
    )


def _edited_comment(m):
    comment = comment_create(
        author=m.member, body="A first remark.", question=QuestionFactory()
    )
    return comment_edit(comment=comment, body="A second remark.")


# (id, make the target, act on it, expected action, actor: "moderator" or None, reason)
AUDITED = [
    ("approve", _pending_answer, lambda m, t: services.post_approve(moderator=m.moderator, post=t), Action.APPROVE, "moderator", ""),
    ("reject", _pending_answer, lambda m, t: services.post_reject(moderator=m.moderator, post=t, reason="Off topic."), Action.REJECT, "moderator", "Off topic."),
    ("hide", lambda m: published_answer(), lambda m, t: services.post_hide(moderator=m.moderator, post=t, reason="Rude."), Action.HIDE, "moderator", "Rude."),
    ("restore", _hidden_answer, lambda m, t: services.post_approve(moderator=m.moderator, post=t), Action.RESTORE, "moderator", ""),
    ("restore-deleted", _deleted_answer, lambda m, t: services.post_restore(moderator=m.moderator, post=t), Action.RESTORE, "moderator", "deleted"),
    ("restore-hidden", _hidden_answer, lambda m, t: services.post_restore(moderator=m.moderator, post=t), Action.RESTORE, "moderator", "hidden"),
    ("delete", lambda m: published_answer(), lambda m, t: answer_delete(answer=t, by=m.moderator, reason="Copied."), Action.DELETE, "moderator", "Copied."),
    ("flag-auto-hide", _flagged_answer, lambda m, t: [services.flag_create(user=u, post=t, reason="spam") for u in UserFactory.create_batch(2)], Action.HIDE, None, "3 members flagged it"),
    ("flags-helpful", _flagged_answer, lambda m, t: services.flags_resolve(moderator=m.moderator, post=t, helpful=True, reason="Spam."), Action.FLAG_HELPFUL, "moderator", "Spam."),
    ("flags-declined", _flagged_answer, lambda m, t: services.flags_resolve(moderator=m.moderator, post=t, helpful=False, reason="Fine."), Action.FLAG_DECLINED, "moderator", "Fine."),
    ("canonical-mark", lambda m: published_answer(), lambda m, t: services.canonical_set(moderator=m.moderator, answer=t), Action.CANONICAL_MARK, "moderator", ""),
    ("canonical-unmark", _canonical_answer, lambda m, t: services.canonical_set(moderator=m.moderator, answer=t, canonical=False), Action.CANONICAL_UNMARK, "moderator", ""),
    ("rollback", _edited_answer, lambda m, t: services.answer_rollback(moderator=m.moderator, answer=t, number=1), Action.ROLLBACK, "moderator", "to revision 1"),
    ("edit-answer", lambda m: published_answer(), lambda m, t: answer_edit(answer=t, editor=m.moderator, body=BODY + " Fixed."), Action.EDIT, "moderator", ""),
    ("edit-question", lambda m: QuestionFactory(), lambda m, t: question_edit(question=t, editor=m.moderator, title=t.title, body="Details.", topic=t.topic, difficulty=t.difficulty), Action.EDIT, "moderator", ""),
    ("suspend", lambda m: m.member, lambda m, t: services.user_suspend(moderator=m.moderator, user=t, until=_until(), reason="Spam."), Action.SUSPEND, "moderator", "Spam."),
    ("unsuspend", lambda m: m.member, lambda m, t: services.user_unsuspend(moderator=m.moderator, user=t), Action.UNSUSPEND, "moderator", ""),
    ("purge", lambda m: m.member, lambda m, t: services.user_purge(moderator=m.moderator, user=t, reason="Spam."), Action.PURGE, "moderator", "0 posts hidden: Spam."),
    ("role-grant", lambda m: m.member, lambda m, t: moderator_set(user=t, is_moderator=True, actor=m.moderator), Action.ROLE_GRANT, "moderator", ""),
    ("role-revoke", lambda m: UserFactory(moderator=True), lambda m, t: moderator_set(user=t, is_moderator=False, actor=m.moderator), Action.ROLE_REVOKE, "moderator", ""),
    ("close", lambda m: QuestionFactory(), lambda m, t: services.question_close(moderator=m.moderator, question=t, reason="unclear", note="Which model?"), Action.CLOSE, "moderator", "Needs details or clarity: Which model?"),
    ("reopen", _closed_question, lambda m, t: services.question_reopen(moderator=m.moderator, question=t), Action.REOPEN, "moderator", ""),
    ("merge", lambda m: QuestionFactory(), lambda m, t: services.question_merge(moderator=m.moderator, source=t, target=QuestionFactory(title="The kept wording?")), Action.MERGE, "moderator", lambda t: f"into question {refresh(t).merged_into_id} “The kept wording?”"),
    ("rollback-question", _edited_question, lambda m, t: services.question_rollback(moderator=m.moderator, question=t, number=1), Action.ROLLBACK, "moderator", "to revision 1"),
    ("rollback-comment", _edited_comment, lambda m, t: services.comment_rollback(moderator=m.moderator, comment=t, number=1), Action.ROLLBACK, "moderator", "to revision 1"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("make", "act", "action", "actor", "reason"),
    [pytest.param(*case[1:], id=case[0]) for case in AUDITED],
)
def test_each_action_writes_exactly_one_audit_entry(make, act, action, actor, reason):
    m = SimpleNamespace(
        moderator=UserFactory(moderator=True),
        member=UserFactory(trusted=True),
        new_member=UserFactory(),
    )
    target = make(m)
    last = last_entry_id()
    act(m, target)
    [entry] = entries_after(last)
    assert entry.action == action
    assert entry.actor == (m.moderator if actor else None)
    assert entry.target_type == type(target).__name__.lower()
    assert entry.target_id == target.pk
    assert entry.target_label
    if action == Action.SUSPEND:
        assert entry.reason.startswith("until ") and entry.reason.endswith(reason)
    else:
        assert entry.reason == (reason(target) if callable(reason) else reason)


def test_every_action_is_covered_by_the_table():
    assert {case[3] for case in AUDITED} == set(Action)


def test_the_log_is_append_only_in_the_orm(moderator):
    entry = AuditLogEntry.objects.get(action=Action.ROLE_GRANT, target_id=moderator.pk)
    entry.reason = "rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditLogEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(TypeError):
        AuditLogEntry.objects.all().delete()
    assert refresh(entry).reason == ""


def test_the_database_refuses_to_update_the_log(moderator):
    entry = AuditLogEntry.objects.get(action=Action.ROLE_GRANT, target_id=moderator.pk)
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE moderation_auditlogentry SET reason = %s WHERE id = %s",
            ["rewritten", entry.pk],
        )
    assert refresh(entry).reason == ""


@pytest.mark.postgres
def test_postgresql_refuses_to_delete_from_the_log(moderator):
    entry = AuditLogEntry.objects.get(action=Action.ROLE_GRANT, target_id=moderator.pk)
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM moderation_auditlogentry WHERE id = %s", [entry.pk])
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()
