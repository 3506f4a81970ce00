"""Each kind of write shows at once, to a visitor and to another member, on every cached page
that shows it: through the site's own views, the moderation views or the admin, with the caches
on as in production. What replaces which token is declared once per app (questions/caching.py,
practice/caching.py, the caching layer's own for members and permissions)."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from caching.pages import HIT_HEADER
from moderation.models import FLAGS_TO_HIDE
from questions.models import Answer, Comment, Notification, Question, Status
from tests.factories import (
    AnswerFactory,
    QuestionFactory,
    TopicFactory,
    UserFactory,
    signed_in_client,
)

pytestmark = pytest.mark.django_db

TITLE = "Why does batch normalisation speed up training?"


@pytest.fixture
def answer():
    question = QuestionFactory(title=TITLE)
    return AnswerFactory(
        question=question,
        author=UserFactory(trusted=True, display_name="Ada Answerer"),
        body="It keeps each layer's inputs in a steady range.",
    )


def readers():
    """A visitor and a member who did not write: both must see every write at once."""
    return {"visitor": Client(), "member": signed_in_client()}


def warmed(urls):
    """Readers whose pages at `urls` are in the cache (each read twice: the second a hit)."""
    clients = readers()
    for client in clients.values():
        for url in urls:
            client.get(url)
            assert client.get(url)[HIT_HEADER] == "hit", url
    return clients


def text(response):
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def assert_everyone_sees(clients, urls, present=(), absent=()):
    for who, client in clients.items():
        for url in urls:
            page = text(client.get(url, follow=True))
            for marker in present:
                assert marker in page, (who, url, marker)
            for marker in absent:
                assert marker not in page, (who, url, marker)


def moderator_client():
    client = Client()
    client.force_login(UserFactory(moderator=True))
    return client


def author_client(post):
    client = Client()
    client.force_login(post.author)
    return client


def act(client, action, post, reason=""):
    key = f"{type(post).__name__.lower()}:{post.pk}"
    return client.post(
        reverse("moderation:act"),
        {"action": action, "posts": [key], "reason": reason},
    )


def lists(question):
    return [
        reverse("home"),
        reverse("questions:list"),
        reverse("questions:topic", args=[question.topic.slug]),
    ]


# Writes through the site's own views ---------------------------------------------------------


def test_an_answer_shows_on_the_question_page_and_the_lists(answer):
    question = answer.question
    urls = [question.get_absolute_url(), reverse("questions:list") + "?sort=answers"]
    clients = warmed(urls)
    signed_in_client().post(
        reverse("questions:answer-create", args=[question.pk]),
        {"body": "Marker: a second answer about internal covariate shift."},
    )
    assert_everyone_sees(clients, urls[:1], present=["Marker: a second answer"])
    assert_everyone_sees(clients, urls[1:], present=["<strong>2</strong> answers"])


def test_a_vote_shows_on_the_question_page(answer):
    url = answer.question.get_absolute_url()
    clients = warmed([url])
    signed_in_client().post(
        reverse("questions:answer-vote", args=[answer.pk]), {"value": "1"}
    )
    assert_everyone_sees(clients, [url], present=["Score: </span>1</span>"])


def test_a_comment_shows_on_the_question_page(answer):
    url = answer.question.get_absolute_url()
    clients = warmed([url])
    signed_in_client().post(
        reverse("questions:answer-comment", args=[answer.pk]),
        {"body": "Marker: what about layer norm?"},
    )
    assert_everyone_sees(clients, [url], present=["Marker: what about layer norm?"])


def test_an_edit_and_a_delete_show_on_the_question_page(answer):
    url = answer.question.get_absolute_url()
    clients = warmed([url])
    author_client(answer).post(
        reverse("questions:answer-edit", args=[answer.pk]),
        {"body": "Marker: edited to talk about the loss landscape."},
    )
    assert_everyone_sees(clients, [url], present=["Marker: edited"])
    author_client(answer).post(reverse("questions:answer-delete", args=[answer.pk]))
    assert_everyone_sees(clients, [url], absent=["Marker: edited"])


def test_a_canonical_mark_shows_on_the_question_page(answer):
    url = answer.question.get_absolute_url()
    clients = warmed([url])
    assert "canonical-answer" not in text(clients["visitor"].get(url))
    moderator_client().post(
        reverse("moderation:canonical", args=[answer.pk]), {"canonical": "1"}
    )
    assert Answer.objects.get(pk=answer.pk).is_canonical
    for client in clients.values():
        assert client.get(url)[HIT_HEADER] == "miss"
    assert_everyone_sees(clients, [url], present=["anonical"])


def test_a_display_name_change_shows_where_they_posted_and_leaves_the_lists_cached(
    answer,
):
    question = answer.question
    urls = [question.get_absolute_url(), *lists(question)]
    clients = warmed(urls)
    author_client(answer).post(
        reverse("accounts:settings"), {"display_name": "Ada Renamed", "bio": ""}
    )
    assert_everyone_sees(
        clients, urls[:1], present=["Ada Renamed"], absent=["Ada Answerer"]
    )
    # Issue #15: a name change used to empty the whole site's page cache.
    for client in clients.values():
        for url in urls[1:]:
            assert client.get(url)[HIT_HEADER] == "hit", url


def test_an_account_deletion_leaves_no_name_behind(answer):
    url = answer.question.get_absolute_url()
    clients = warmed([url])
    author_client(answer).post(
        reverse("accounts:delete"), {"confirm_username": answer.author.username}
    )
    assert_everyone_sees(
        clients, [url], present=["deleted user"], absent=["Ada Answerer"]
    )


def test_a_follow_shows_on_the_members_own_page(answer):
    url = answer.question.get_absolute_url()
    member = signed_in_client()
    member.get(url)
    assert 'aria-pressed="false"' in text(member.get(url))
    member.post(reverse("questions:follow", args=[answer.question_id]))
    assert 'aria-pressed="true"' in text(member.get(url))


def test_reading_notifications_empties_the_header_count(answer):
    reader = author_client(answer)
    signed_in_client().post(
        reverse("questions:answer-comment", args=[answer.pk]),
        {"body": "Marker: a comment that notifies the author."},
    )
    url = reverse("questions:list")
    reader.get(url)
    assert 'class="unread-count">1<' in text(reader.get(url))
    reader.post(reverse("notifications-read"))
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    assert "unread-count" not in text(reader.get(url))


def test_a_practice_grade_shows_on_the_practice_pages():
    """Practice pages are the member's own (tests/test_practice_cache.py checks each figure)."""
    from practice.models import PracticeSession
    from tests.practice_factories import current_item, make_bank, urls_for

    make_bank()
    member = signed_in_client()
    pages = [reverse("practice:home"), reverse("practice:progress")]
    before = {}
    for url in pages:
        member.get(url)
        response = member.get(url)
        assert response[HIT_HEADER] == "hit"
        before[url] = text(response)
    member.post(reverse("practice:start"), {"mode": "new", "size": 2})
    session = PracticeSession.objects.get(user=member.member, ended_at=None)
    reveal, grade = urls_for(current_item(session))
    member.post(reveal, {"attempt": "The chain rule, applied layer by layer."})
    assert member.post(grade, {"rating": "3"}).status_code == HTTPStatus.FOUND
    for url in pages:
        response = member.get(url)
        assert response[HIT_HEADER] == "miss", url
        assert text(response) != before[url]


# Moderation -----------------------------------------------------------------------------------


def _proposed_question(title="How do you calibrate the probabilities of a classifier?"):
    proposer = signed_in_client()
    topic = TopicFactory()
    proposer.post(
        reverse("questions:propose"),
        {"title": title, "body": "", "topic": topic.pk, "difficulty": "medium"},
    )
    question = Question.objects.get(title=title)
    assert question.status == Status.PENDING
    return proposer, question


def test_approving_a_proposed_question_shows_it_on_every_list():
    proposer, question = _proposed_question()
    urls = lists(question)
    clients = warmed(urls)
    own_page = question.get_absolute_url()
    proposer.get(own_page)
    assert "Awaiting review" in text(proposer.get(own_page))
    act(moderator_client(), "approve", question)
    assert_everyone_sees(clients, urls, present=[question.title])
    assert "Awaiting review" not in text(proposer.get(own_page))
    # The topic's count and the list's total follow (cached counts under `bank`).
    assert_everyone_sees(clients, urls[2:], present=["1 question"])


def test_rejecting_a_proposed_question_shows_to_its_proposer():
    proposer, question = _proposed_question()
    own_page = question.get_absolute_url()
    proposer.get(own_page)
    assert "Awaiting review" in text(proposer.get(own_page))
    act(moderator_client(), "reject", question, reason="A duplicate.")
    assert Question.objects.get(pk=question.pk).status == Status.REJECTED
    response = proposer.get(own_page)
    assert response.status_code == HTTPStatus.NOT_FOUND or (
        "Awaiting review" not in text(response)
    )
    clients = readers()
    assert_everyone_sees(clients, lists(question), absent=[question.title])


@pytest.mark.parametrize("kind", ["answer", "comment"])
def test_approving_a_pending_post_shows_it(answer, kind):
    url = answer.question.get_absolute_url()
    clients = warmed([url])
    newcomer = signed_in_client()
    newcomer.member.approved_post_count = 0
    newcomer.member.reputation = 0
    newcomer.member.save()
    if kind == "answer":
        newcomer.post(
            reverse("questions:answer-create", args=[answer.question_id]),
            {"body": "Marker: a newcomer's answer about running statistics."},
        )
        post = Answer.objects.get(author=newcomer.member)
    else:
        newcomer.post(
            reverse("questions:answer-comment", args=[answer.pk]),
            {"body": "Marker: a newcomer's comment on running statistics."},
        )
        post = Comment.objects.get(author=newcomer.member)
    assert post.status == Status.PENDING
    assert_everyone_sees(clients, [url], absent=["Marker: a newcomer"])
    act(moderator_client(), "approve", post)
    assert_everyone_sees(clients, [url], present=["Marker: a newcomer"])


def test_flags_that_hide_an_answer_take_it_off_the_page(answer):
    url = answer.question.get_absolute_url()
    clients = warmed([url])
    for _ in range(FLAGS_TO_HIDE):
        signed_in_client().post(
            reverse("moderation:flag", args=["answer", answer.pk]), {"reason": "spam"}
        )
    assert Answer.objects.get(pk=answer.pk).status == Status.HIDDEN
    assert_everyone_sees(clients, [url], absent=["steady range"])


def test_a_suspension_shows_on_the_members_pages_at_once(answer):
    member = author_client(answer)
    url = answer.question.get_absolute_url()
    member.get(url)
    assert "suspension-banner" not in text(member.get(url))
    moderator_client().post(
        reverse("moderation:member-suspend", args=[answer.author.username]),
        {"days": 3, "reason": "Posting spam."},
    )
    assert "suspension-banner" in text(member.get(url))
    assert "suspension-banner" in text(member.get(reverse("questions:list")))


# The admin -----------------------------------------------------------------------------------


def admin_post(client, obj, **changes):
    """Save `obj` through its admin change form, as a person would: the form as shown, with
    `changes` typed in."""
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    data = {}

    def fill(form, prefix=""):
        for name, field in form.fields.items():
            key = f"{prefix}{name}"
            value = form[name].value()
            widget = field.widget
            if hasattr(widget, "decompress"):  # split date and time
                for index, part in enumerate(widget.decompress(value)):
                    data[f"{key}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            elif value is None:
                data[key] = ""
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            else:
                data[key] = str(value)

    fill(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = str(management[name].value())
        for form in formset.initial_forms:
            fill(form, prefix=f"{form.prefix}-")
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == HTTPStatus.FOUND, response.context[
        "adminform"
    ].form.errors
    return response


@pytest.fixture
def admin_client_():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_an_admin_title_edit_shows_everywhere_and_is_found_by_search(
    answer, admin_client_
):
    question = answer.question
    new_title = "Why does batch normalisation let us use higher learning rates?"
    urls = [question.get_absolute_url(), *lists(question)]
    clients = warmed(urls)
    admin_post(admin_client_, question, title=new_title)
    assert_everyone_sees(clients, urls, present=[new_title], absent=[TITLE])
    search = reverse("questions:list") + "?q=higher+learning+rates"
    assert_everyone_sees(clients, [search], present=[new_title])


def test_a_topic_renamed_in_the_admin_shows_in_the_menus_and_pages(
    answer, admin_client_
):
    question = answer.question
    topic = question.topic
    urls = [question.get_absolute_url(), *lists(question)]
    clients = warmed(urls)
    admin_post(admin_client_, topic, name="Deep learning, renamed")
    assert_everyone_sees(clients, urls[1:], present=["Deep learning, renamed"])
    assert_everyone_sees(
        clients,
        [reverse("questions:list")],
        present=["Deep learning, renamed</option>"],
    )


def test_a_member_renamed_in_the_admin_shows_on_their_posts(answer, admin_client_):
    url = answer.question.get_absolute_url()
    clients = warmed([url])
    admin_post(admin_client_, answer.author, display_name="Ada From The Admin")
    assert_everyone_sees(clients, [url], present=["Ada From The Admin"])


def test_a_suspension_lifted_after_its_end_needs_no_write(answer):
    """Time, not a write, ends a suspension: the banner goes when it ends."""
    author = answer.author
    author.suspended_until = timezone.now() + timedelta(seconds=1)
    author.suspension_reason = "A short one."
    author.save()
    member = author_client(answer)
    assert "suspension-banner" in text(member.get(reverse("questions:list")))


def test_restoring_a_deleted_answer_shows_it_to_everyone_at_once(answer):
    """The author's own restore (within the window) and a moderator's, both at once."""
    url = answer.question.get_absolute_url()
    urls = [url, reverse("questions:list") + "?sort=answers"]
    author = author_client(answer)
    author.post(reverse("questions:answer-delete", args=[answer.pk]))
    clients = warmed(urls)
    assert_everyone_sees(clients, urls[:1], absent=["steady range"])
    assert_everyone_sees(clients, urls[1:], present=["<strong>0</strong> answers"])
    author.post(reverse("questions:answer-restore", args=[answer.pk]))
    assert_everyone_sees(clients, urls[:1], present=["steady range"])
    assert_everyone_sees(clients, urls[1:], present=["<strong>1</strong> answer"])
    moderator = moderator_client()
    moderator.post(reverse("questions:answer-delete", args=[answer.pk]), {"reason": ""})
    assert_everyone_sees(clients, urls[:1], absent=["steady range"])
    moderator.post(reverse("moderation:restore", args=["answer", answer.pk]))
    assert_everyone_sees(clients, urls[:1], present=["steady range"])


def test_restoring_a_comment_or_a_hidden_answer_shows_it_at_once(answer):
    url = answer.question.get_absolute_url()
    commenter = signed_in_client()
    commenter.post(
        reverse("questions:answer-comment", args=[answer.pk]),
        {"body": "Marker: what about layer norm?"},
    )
    comment = Comment.objects.get()
    commenter.post(reverse("questions:comment-delete", args=[comment.pk]))
    clients = warmed([url])
    assert_everyone_sees(clients, [url], absent=["Marker: what about layer norm?"])
    commenter.post(reverse("questions:comment-restore", args=[comment.pk]))
    assert_everyone_sees(clients, [url], present=["Marker: what about layer norm?"])
    moderator = moderator_client()
    act(moderator, "hide", answer)
    assert_everyone_sees(clients, [url], absent=["steady range"])
    moderator.post(reverse("moderation:restore", args=["answer", answer.pk]))
    assert_everyone_sees(clients, [url], present=["steady range"])
