"""Moderation through the pages: what each reader sees while posts wait, the queue's one-click and
bulk actions, flags, canonical answers, suspensions, purges, proposals, rollbacks and the log."""

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.models import FLAGS_PER_DAY, AuditLogEntry, Flag
from questions.models import Answer, Comment, Notification, Question, Status
from questions.services.answers import answer_create, answer_edit
from questions.services.comments import comment_create, comment_edit
from questions.services.questions import question_propose
from tests.factories import AnswerFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

Action = AuditLogEntry.Action
BODY = "Gradient descent moves the weights against the gradient of the loss."
PENDING_BODY = "Stochastic gradient descent samples a mini-batch at each step."
PENDING_COMMENT = "Does this hold for Adam as well?"
NEW_TITLE = "How does dropout act as a regulariser in a neural network?"
AWAITING = "Awaiting review"


def page(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def act(client, action, *posts, reason=""):
    return client.post(
        reverse("moderation:act"),
        {"action": action, "posts": [key(post) for post in posts], "reason": reason},
    )


def key(post):
    return f"{type(post).__name__.lower()}:{post.pk}"


def new_entries(since):
    return list(AuditLogEntry.objects.filter(pk__gt=since).order_by("pk"))


def last_entry_id():
    return (
        AuditLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    )


@pytest.fixture
def pending(new_user):
    """A new member's answer and comment (on someone else's answer), both awaiting review."""
    question = QuestionFactory()
    published = AnswerFactory(question=question, author=UserFactory(trusted=True))
    answer = answer_create(question=question, author=new_user, body=PENDING_BODY)
    comment = comment_create(author=new_user, body=PENDING_COMMENT, answer=published)
    return question, answer, comment


# The review queue: what each reader sees


@pytest.mark.parametrize(
    ("viewer", "sees", "badges"),
    [("anonymous", False, 0), ("user", False, 0), ("author", True, 2), ("moderator", True, 2)],
)  # fmt: skip
def test_posts_awaiting_review_show_only_to_their_author_and_moderators(
    client, pending, new_user, user, moderator, viewer, sees, badges
):
    question, _, _ = pending
    logged_in = {"user": user, "author": new_user, "moderator": moderator}
    if viewer in logged_in:
        client.force_login(logged_in[viewer])
    html = page(client, question.get_absolute_url())
    assert (PENDING_BODY in html) is sees
    assert (PENDING_COMMENT in html) is sees
    assert html.count(f'status-badge">{AWAITING}<') == badges
    # The count is of published answers only, whoever looks.
    assert Question.objects.get(pk=question.pk).answer_count == 1
    assert "<strong>1</strong> answer<" in page(client, reverse("questions:list"))


def test_a_post_awaiting_review_cannot_be_voted_on(user_client, pending):
    _, answer, _ = pending
    response = user_client.post(
        reverse("questions:answer-vote", args=[answer.pk]), {"value": "1"}
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert Answer.objects.get(pk=answer.pk).score == 0


def test_the_queue_lists_what_waits_with_its_author(
    moderator_client, pending, new_user
):
    html = page(moderator_client, reverse("moderation:queue"))
    assert "Awaiting review (2)" in html
    assert PENDING_BODY in html and PENDING_COMMENT in html
    assert reverse("moderation:member", args=[new_user.username]) in html
    assert "0 approved posts" in html


def test_approving_from_the_queue_publishes_for_everyone(
    client, moderator, pending, new_user
):
    question, answer, comment = pending
    client.force_login(moderator)
    response = act(client, "approve", answer)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("moderation:queue")
    assert messages_of(response) == ["Approve: 1 post."]
    client.logout()
    html = page(client, question.get_absolute_url())
    assert PENDING_BODY in html and f'status-badge">{AWAITING}<' not in html
    assert PENDING_COMMENT not in html  # the comment still waits
    assert Question.objects.get(pk=question.pk).answer_count == 2
    new_user.refresh_from_db()
    assert new_user.approved_post_count == 1
    client.force_login(new_user)
    assert "was approved by a moderator" in page(client, reverse("notifications"))


def test_rejecting_from_the_queue_tells_the_author_the_reason(
    moderator_client, pending, new_user
):
    _, answer, _ = pending
    response = act(moderator_client, "reject", answer, reason="Copied from a blog.")
    assert response.status_code == HTTPStatus.FOUND
    assert Answer.objects.get(pk=answer.pk).status == Status.REJECTED
    told = Notification.objects.get(recipient=new_user)
    assert told.message == "Your answer was rejected: Copied from a blog."


def test_bulk_approve_publishes_every_ticked_post_in_one_post(
    moderator_client, pending, user
):
    question, answer, comment = pending
    proposal = question_propose(
        author=user, title=NEW_TITLE, body="", topic=question.topic, difficulty="easy"
    )
    since = last_entry_id()
    response = act(moderator_client, "approve", answer, comment, proposal)
    assert messages_of(response) == ["Approve: 3 posts."]
    for post in (answer, comment, proposal):
        post.refresh_from_db()
        assert post.status == Status.PUBLISHED
    assert [e.action for e in new_entries(since)] == [Action.APPROVE] * 3
    assert "Nothing awaits review." in page(
        moderator_client, reverse("moderation:queue")
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_bulk_reject_without_a_reason_changes_nothing(
    moderator_client, pending, reason
):
    _, answer, comment = pending
    since = last_entry_id()
    response = act(moderator_client, "reject", answer, comment, reason=reason)
    assert response.status_code == HTTPStatus.FOUND
    assert messages_of(response) == ["Give a reason for rejecting: the author is told."]
    assert Answer.objects.get(pk=answer.pk).status == Status.PENDING
    assert Comment.objects.get(pk=comment.pk).status == Status.PENDING
    assert new_entries(since) == []
    assert not Notification.objects.filter(kind=Notification.Kind.MODERATION).exists()


def test_acting_with_nothing_ticked_is_an_error(moderator_client, pending):
    response = moderator_client.post(reverse("moderation:act"), {"action": "approve"})
    assert messages_of(response) == ["Tick at least one post."]


def test_an_unknown_post_is_404(moderator_client):
    response = moderator_client.post(
        reverse("moderation:act"), {"action": "approve", "posts": ["answer:999999"]}
    )
    assert response.status_code == HTTPStatus.NOT_FOUND


def _fill_queue(count):
    """`count` posts awaiting review, mixed answers, comments and proposals, plus two flagged posts."""
    topic = QuestionFactory().topic
    for i in range(count):
        member = UserFactory()
        if i % 3 == 0:
            answer_create(
                question=QuestionFactory(topic=topic), author=member, body=BODY
            )
        elif i % 3 == 1:
            comment_create(
                author=member, body=f"Remark {i} here.", answer=AnswerFactory()
            )
        else:
            question_propose(
                author=member,
                title=f"Proposed question number {i} about embeddings?",
                body="",
                topic=topic,
                difficulty="easy",
            )
    flagged_comment = comment_create(
        author=UserFactory(trusted=True), body="Flag me.", question=QuestionFactory()
    )
    for post in (AnswerFactory(), flagged_comment):
        for flagger in UserFactory.create_batch(2):
            services.flag_create(user=flagger, post=post, reason="spam")
    # Edits awaiting review: a new member's edit of a published answer and comment of theirs.
    newcomer = UserFactory()
    answer = AnswerFactory(author=newcomer)
    answer_edit(
        answer=answer, editor=newcomer, body=f"An edited text {count} long enough."
    )
    comment = comment_create(
        author=UserFactory(trusted=True), body="Fine.", answer=AnswerFactory()
    )
    Comment.objects.filter(pk=comment.pk).update(author=newcomer)
    comment_edit(comment=comment, editor=newcomer, body="An edited remark.")


QUEUE_MAX_QUERIES = 14  # two of them for the edits awaiting review


@pytest.mark.parametrize("count", [3, 20])
def test_the_queue_page_costs_the_same_queries_whatever_its_length(
    moderator_client, django_assert_max_num_queries, count
):
    _fill_queue(count)
    with django_assert_max_num_queries(QUEUE_MAX_QUERIES):
        response = moderator_client.get(reverse("moderation:queue"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert f"Awaiting review ({count})" in html and "Flagged (2)" in html
    assert "Edits awaiting review (2)" in html


# Flags


def flag(client, post, reason="spam", note=""):
    kind = type(post).__name__.lower()
    return client.post(
        reverse("moderation:flag", args=[kind, post.pk]),
        {"reason": reason, "note": note},
    )


def test_flagging_thanks_the_member_and_sends_them_back(user_client):
    answer = AnswerFactory()
    assert "What is wrong with this post?" in page(
        user_client, reverse("moderation:flag", args=["answer", answer.pk])
    )
    response = flag(user_client, answer)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == answer.get_absolute_url()
    assert messages_of(response) == ["Thank you: the moderators will look at it."]
    assert Flag.objects.get().answer == answer


def test_flagging_the_same_post_twice_is_409(user_client):
    answer = AnswerFactory()
    flag(user_client, answer)
    response = flag(user_client, answer, reason="rude")
    assert response.status_code == HTTPStatus.CONFLICT
    assert "already flagged" in response.content.decode()
    assert Flag.objects.count() == 1


def test_the_eleventh_flag_of_the_day_is_429(user_client):
    for _ in range(FLAGS_PER_DAY):
        assert flag(user_client, AnswerFactory()).status_code == HTTPStatus.FOUND
    response = flag(user_client, AnswerFactory())
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert f"at most {FLAGS_PER_DAY} posts a day" in response.content.decode()
    assert Flag.objects.count() == FLAGS_PER_DAY


def test_flagging_your_own_post_is_403(user_client, user):
    response = flag(user_client, AnswerFactory(author=user))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "flag your own post" in response.content.decode()
    assert not Flag.objects.exists()


def test_other_without_a_note_is_a_form_error(user_client):
    response = flag(user_client, AnswerFactory(), reason="other", note="  ")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Tell the moderators what is wrong." in response.content.decode()
    assert not Flag.objects.exists()
    response = flag(user_client, AnswerFactory(), reason="other", note="Malware link.")
    assert response.status_code == HTTPStatus.FOUND


def test_flagging_a_post_that_is_not_published_is_404(user_client, pending):
    _, answer, comment = pending
    assert flag(user_client, answer).status_code == HTTPStatus.NOT_FOUND
    assert flag(user_client, comment).status_code == HTTPStatus.NOT_FOUND
    assert (
        flag(user_client, answer, reason="nonsense").status_code == HTTPStatus.NOT_FOUND
    )


def test_three_flags_hide_a_post_from_everyone_but_its_author_and_moderators(
    client, moderator
):
    author = UserFactory(trusted=True)
    answer = AnswerFactory(author=author, body=PENDING_BODY)
    url = answer.question.get_absolute_url()
    flaggers = UserFactory.create_batch(3, trusted=True)
    for flagger in flaggers:
        client.force_login(flagger)
        assert flag(client, answer).status_code == HTTPStatus.FOUND
    assert Answer.objects.get(pk=answer.pk).status == Status.HIDDEN
    assert PENDING_BODY not in page(client, url)  # the third flagger
    client.logout()
    assert PENDING_BODY not in page(client, url)
    client.force_login(author)
    html = page(client, url)
    assert PENDING_BODY in html and 'status-badge">Hidden<' in html
    client.force_login(moderator)
    assert PENDING_BODY in page(client, url)
    queue = page(client, reverse("moderation:queue"))
    assert "Flagged (1)" in queue and "Hidden until you decide" in queue
    log = page(client, reverse("moderation:log"))
    assert "<em>system</em>" in log and "3 members flagged it" in log


def test_helpful_flags_hide_the_post(client, moderator):
    answer = AnswerFactory(body=PENDING_BODY)
    client.force_login(UserFactory(trusted=True))
    flag(client, answer)
    client.force_login(moderator)
    response = act(client, "flags_helpful", answer, reason="Wrong formula.")
    assert messages_of(response) == ["Flags helpful (hide): 1 post."]
    assert Answer.objects.get(pk=answer.pk).status == Status.HIDDEN
    assert Flag.objects.get().outcome == Flag.Outcome.HELPFUL
    client.logout()
    assert PENDING_BODY not in page(client, answer.question.get_absolute_url())


def test_declining_flags_restores_a_post_the_flags_hid(client, moderator):
    answer = AnswerFactory(body=PENDING_BODY)
    for flagger in UserFactory.create_batch(3, trusted=True):
        services.flag_create(user=flagger, post=answer, reason="spam")
    client.force_login(moderator)
    act(client, "flags_declined", answer)
    assert Answer.objects.get(pk=answer.pk).status == Status.PUBLISHED
    assert Question.objects.get(pk=answer.question_id).answer_count == 1
    assert "No open flags." in page(client, reverse("moderation:queue"))
    client.logout()
    assert PENDING_BODY in page(client, answer.question.get_absolute_url())


# Canonical answers


def canonical(client, answer, mark=True):
    return client.post(
        reverse("moderation:canonical", args=[answer.pk]),
        {"canonical": "1" if mark else "0"},
    )


def test_the_canonical_answer_comes_first_with_who_marked_it(client, moderator):
    question = QuestionFactory()
    popular = AnswerFactory(question=question, score=9, body="Popular answer text.")
    chosen = AnswerFactory(
        question=question, author=UserFactory(trusted=True), body="Chosen answer text."
    )
    client.force_login(moderator)
    response = canonical(client, chosen)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == chosen.get_absolute_url()
    client.logout()
    html = page(client, question.get_absolute_url())
    assert html.index("Chosen answer text") < html.index("Popular answer text")
    assert "✓ Canonical answer" in html
    assert f"marked by {moderator.public_name}" in html
    chosen.author.refresh_from_db()
    assert chosen.author.reputation == 15 + 15
    assert Notification.objects.filter(
        recipient=chosen.author, kind=Notification.Kind.CANONICAL
    ).exists()
    # Marking the other one replaces it.
    client.force_login(moderator)
    canonical(client, popular)
    assert list(question.answers.filter(is_canonical=True)) == [popular]
    chosen.author.refresh_from_db()
    assert chosen.author.reputation == 15


def test_unmarking_takes_the_badge_and_the_points_away(moderator_client, moderator):
    answer = AnswerFactory(author=UserFactory(trusted=True))
    canonical(moderator_client, answer)
    response = canonical(moderator_client, answer, mark=False)
    assert messages_of(response)[-1] == "No longer the canonical answer."
    answer.refresh_from_db()
    assert not answer.is_canonical
    answer.author.refresh_from_db()
    assert answer.author.reputation == 15
    html = page(moderator_client, answer.question.get_absolute_url())
    assert "✓ Canonical answer" not in html and "Mark canonical" in html


def test_an_answer_awaiting_review_cannot_be_canonical(moderator_client, pending):
    _, answer, _ = pending
    response = canonical(moderator_client, answer)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Only a published answer" in response.content.decode()


# Suspension and purge


def suspend(client, member, days="7", reason="Spam links in every answer."):
    return client.post(
        reverse("moderation:member-suspend", args=[member.username]),
        {"days": days, "reason": reason},
    )


def test_a_suspended_member_sees_the_banner_until_it_is_lifted(client, moderator, user):
    client.force_login(moderator)
    response = suspend(client, user)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("moderation:member", args=[user.username])
    member_page = page(client, response["Location"])
    assert (
        "Lift the suspension" in member_page
        and "Spam links in every answer." in member_page
    )
    client.force_login(user)
    html = page(client, reverse("questions:list"))
    assert 'class="suspension-banner"' in html and "Spam links in every answer." in html
    client.force_login(moderator)
    client.post(reverse("moderation:member-unsuspend", args=[user.username]))
    client.force_login(user)
    assert "suspension-banner" not in page(client, reverse("questions:list"))


def test_suspension_stops_posting_and_lifting_it_restores_it(client, moderator, user):
    question = QuestionFactory()
    client.force_login(moderator)
    suspend(client, user)
    client.force_login(user)
    url = reverse("questions:answer-create", args=[question.pk])
    response = client.post(url, {"body": BODY})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Answer.objects.exists()
    client.force_login(moderator)
    client.post(reverse("moderation:member-unsuspend", args=[user.username]))
    client.force_login(user)
    assert client.post(url, {"body": BODY}).status_code == HTTPStatus.FOUND
    assert Answer.objects.get().status == Status.PUBLISHED


@pytest.mark.parametrize(("days", "reason"), [("7", ""), ("0", "Spam"), ("x", "Spam")])
def test_an_invalid_suspension_is_a_form_error(moderator_client, user, days, reason):
    response = suspend(moderator_client, user, days=days, reason=reason)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    user.refresh_from_db()
    assert not user.is_suspended


def test_moderators_cannot_be_suspended_or_purged(moderator_client):
    other = UserFactory(moderator=True)
    assert suspend(moderator_client, other).status_code == HTTPStatus.FORBIDDEN
    response = moderator_client.post(
        reverse("moderation:member-purge", args=[other.username]), {"reason": "x"}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    other.refresh_from_db()
    assert not other.is_suspended


def test_purge_hides_everything_the_spammer_posted_and_the_counts_drop(
    client, moderator
):
    spammer = UserFactory(trusted=True)
    question = QuestionFactory()
    AnswerFactory(question=question, body="An honest answer, long enough to stay.")
    spam = answer_create(
        question=question, author=spammer, body="Buy my course at spam.example today!"
    )
    other = AnswerFactory()
    comment_create(author=spammer, body="Buy my course.", answer=other)
    assert Question.objects.get(pk=question.pk).answer_count == 2
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:member-purge", args=[spammer.username]),
        {"reason": "Spam ring"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert messages_of(response) == [
        f"{spammer.username} is suspended and 2 of their posts are hidden."
    ]
    assert Question.objects.get(pk=question.pk).answer_count == 1
    assert Answer.objects.get(pk=other.pk).comment_count == 0
    client.logout()
    html = page(client, question.get_absolute_url())
    assert "spam.example" not in html and "1 answer<" in html
    assert "Buy my course." not in page(client, other.question.get_absolute_url())
    spammer.refresh_from_db()
    assert spammer.is_suspended
    assert Answer.objects.get(pk=spam.pk).status == Status.HIDDEN


def test_the_member_page_shows_activity_and_history(moderator_client, new_user):
    answer_create(question=QuestionFactory(), author=new_user, body=BODY)
    suspend(moderator_client, new_user, reason="Cooling off.")
    html = page(
        moderator_client, reverse("moderation:member", args=[new_user.username])
    )
    assert "Answers pending: 1" in html
    assert "Moderation history" in html and "Cooling off." in html


# Question proposals and edits


def propose(client, topic, title=NEW_TITLE):
    return client.post(
        reverse("questions:propose"),
        {"title": title, "body": "", "topic": topic.pk, "difficulty": "medium"},
    )


def test_a_proposal_waits_out_of_the_list_and_its_author_sees_its_status(
    client, user, moderator
):
    topic = QuestionFactory().topic
    client.force_login(user)
    response = propose(client, topic)
    question = Question.objects.get(title=NEW_TITLE)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == question.get_absolute_url()
    assert messages_of(response) == [
        "Thank you: your question is awaiting review by a moderator."
    ]
    assert question.status == Status.PENDING and question.author == user
    html = page(client, question.get_absolute_url())
    assert f'status-badge">{AWAITING}<' in html and "Edit question" in html
    assert NEW_TITLE not in page(client, reverse("questions:list"))
    client.force_login(UserFactory(trusted=True))
    assert client.get(question.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    client.logout()
    assert NEW_TITLE not in page(client, reverse("questions:list"))
    client.force_login(moderator)
    assert NEW_TITLE in page(client, reverse("moderation:queue"))
    act(client, "approve", question)
    client.logout()
    assert NEW_TITLE in page(client, reverse("questions:list"))
    assert page(client, question.get_absolute_url())


@pytest.mark.parametrize(
    "title", [NEW_TITLE, NEW_TITLE.lower(), "How does drop-out act as a regulariser in a neural network"]
)  # fmt: skip
def test_a_duplicate_title_is_a_form_error_not_a_500(user_client, title):
    topic = QuestionFactory().topic
    propose(user_client, topic)
    response = propose(user_client, topic, title=title)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "This question is already in the bank" in response.content.decode()
    assert Question.objects.filter(status=Status.PENDING).count() == 1


def test_a_moderator_edits_a_question_keeping_a_revision(moderator_client, moderator):
    question = QuestionFactory(body="Original details.")
    since = last_entry_id()
    response = moderator_client.post(
        reverse("questions:edit", args=[question.pk]),
        {
            "title": question.title,
            "body": "Clearer details.",
            "topic": question.topic_id,
            "difficulty": "hard",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    question.refresh_from_db()
    assert (question.body, question.difficulty) == ("Clearer details.", "hard")
    assert list(question.revisions.values_list("number", "body")) == [
        (1, "Original details."),
        (2, "Clearer details."),
    ]
    [entry] = new_entries(since)
    assert (entry.action, entry.actor, entry.target_id) == (
        Action.EDIT,
        moderator,
        question.pk,
    )


def edit_question(client, question, **changes):
    form = {
        "title": question.title,
        "body": question.body,
        "topic": question.topic_id,
        "difficulty": question.difficulty,
    }
    return client.post(reverse("questions:edit", args=[question.pk]), form | changes)


def test_editing_to_a_title_already_in_the_bank_is_a_form_error(moderator_client):
    topic = QuestionFactory().topic
    first = question_propose(
        author=UserFactory(), title=NEW_TITLE, body="", topic=topic, difficulty="easy"
    )
    second = question_propose(
        author=UserFactory(),
        title="What does batch normalisation do at inference time?",
        body="",
        topic=topic,
        difficulty="easy",
    )
    # Its own title, re-punctuated, is no duplicate.
    response = edit_question(moderator_client, second, title=second.title + "!")
    assert response.status_code == HTTPStatus.FOUND
    response = edit_question(moderator_client, second, title=first.title.upper())
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "This question is already in the bank" in response.content.decode()
    second.refresh_from_db()
    assert second.title.endswith("time?!")


# Rollback


def test_a_moderator_rolls_an_answer_back_to_revision_one(client, moderator):
    answer = answer_create(
        question=QuestionFactory(), author=UserFactory(trusted=True), body=BODY
    )
    answer_edit(
        answer=answer, editor=answer.author, body="Vandalised text, long enough."
    )
    since = last_entry_id()
    client.force_login(moderator)
    html = page(client, reverse("questions:answer-history", args=[answer.pk]))
    assert "Revision 2" in html
    response = client.post(
        reverse("moderation:rollback", args=[answer.pk]), {"number": "1"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == answer.get_absolute_url()
    answer.refresh_from_db()
    assert answer.body == BODY and answer.revision_count == 3
    assert answer.revisions.get(number=3).editor == moderator
    [entry] = new_entries(since)
    assert (entry.action, entry.actor, entry.reason) == (
        Action.ROLLBACK,
        moderator,
        "to revision 1",
    )
    client.logout()
    assert "Vandalised" not in page(client, answer.question.get_absolute_url())


@pytest.mark.parametrize(("number", "status"), [("", 400), ("two", 400), ("9", 404)])
def test_rollback_needs_an_existing_revision(moderator_client, number, status):
    answer = AnswerFactory()
    response = moderator_client.post(
        reverse("moderation:rollback", args=[answer.pk]), {"number": number}
    )
    assert response.status_code == status


# The audit log page


@pytest.fixture
def logged_actions(moderator):
    """Two moderators' actions: `moderator` hides and approves, `other` suspends."""
    other = UserFactory(moderator=True, username="second-mod")
    services.post_hide(moderator=moderator, post=AnswerFactory(), reason="Rude.")
    services.post_approve(
        moderator=moderator,
        post=answer_create(question=QuestionFactory(), author=UserFactory(), body=BODY),
    )
    services.user_suspend(
        moderator=other,
        user=UserFactory(),
        until=timezone.now() + timedelta(days=1),
        reason="Spam.",
    )
    return moderator, other


def log_entries(client, **query):
    response = client.get(reverse("moderation:log"), query)
    assert response.status_code == HTTPStatus.OK
    return [(e.action, e.actor) for e in response.context["page"].object_list]


def test_the_log_lists_every_action_newest_first(moderator_client, logged_actions):
    moderator, other = logged_actions
    assert log_entries(moderator_client)[:3] == [
        (Action.SUSPEND, other),
        (Action.APPROVE, moderator),
        (Action.HIDE, moderator),
    ]


def test_the_log_filters_by_action(moderator_client, logged_actions):
    moderator, _ = logged_actions
    assert log_entries(moderator_client, action="hide") == [(Action.HIDE, moderator)]
    html = page(moderator_client, reverse("moderation:log") + "?action=hide")
    assert "1 entry" in html and "Rude." in html and "Spam." not in html


def test_the_log_filters_by_actor(moderator_client, logged_actions):
    moderator, other = logged_actions
    assert log_entries(moderator_client, actor="SECOND-MOD") == [
        (Action.SUSPEND, other)
    ]
    assert log_entries(moderator_client, actor=moderator.username) == [
        (Action.APPROVE, moderator),
        (Action.HIDE, moderator),
    ]
    assert log_entries(moderator_client, actor="nobody") == []


def test_an_unknown_action_filter_is_shown_not_fatal(moderator_client, logged_actions):
    response = moderator_client.get(reverse("moderation:log"), {"action": "nonsense"})
    assert response.status_code == HTTPStatus.OK
    assert re.search(r'class="errors"', response.content.decode())


def test_hiding_a_flagged_post_settles_its_flags(client, moderator):
    from moderation.models import Flag
    from moderation.services import flag_create

    answer = AnswerFactory()
    flag_create(user=UserFactory(), post=answer, reason="spam")
    client.force_login(moderator)
    client.post(
        reverse("moderation:act"), {"posts": [f"answer:{answer.pk}"], "action": "hide"}
    )
    assert Flag.objects.get().outcome == Flag.Outcome.HELPFUL
    assert (
        f'id="answer-{answer.pk}"'
        not in client.get(reverse("moderation:queue")).content.decode()
    )


def test_moderator_only_pages_say_why(user_client):
    response = user_client.get(reverse("moderation:queue"))
    assert response.status_code == 403
    assert "Only moderators can do this." in response.content.decode()


def test_the_flag_form_has_no_empty_choice_and_each_radio_in_its_label(user_client):
    answer = AnswerFactory()
    url = reverse("moderation:flag", args=["answer", answer.pk])
    html = page(user_client, url)
    radios = re.findall(r'<input type="radio"[^>]*>', html)
    assert len(radios) == len(
        Flag.Reason.choices
    )  # no "---------" / "Select an option"
    assert not any("checked" in radio for radio in radios)
    assert 'value=""' not in "".join(radios)
    for value, label in Flag.Reason.choices:
        # The radio inside its own label, so the label is next to it and clicking it checks it.
        assert re.search(
            rf'<label class="check" for="id_reason_\d">\s*<input type="radio" name="reason" value="{value}"[^>]*>\s*{re.escape(label)}</label>',
            html,
        ), label
    # Posting a checked reason flags the post, through the real view and form.
    response = user_client.post(url, {"reason": "rude", "note": ""})
    assert response.status_code == HTTPStatus.FOUND
    assert Flag.objects.get().reason == "rude"


def test_flagging_without_a_reason_says_so_and_checks_nothing(user_client):
    answer = AnswerFactory()
    url = reverse("moderation:flag", args=["answer", answer.pk])
    response = user_client.post(url, {"note": "kept note"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "Choose what is wrong with this post." in html
    assert "kept note" in html
    assert "checked" not in "".join(re.findall(r'<input type="radio"[^>]*>', html))
    assert not Flag.objects.exists()
