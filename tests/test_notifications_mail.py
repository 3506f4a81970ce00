"""Mail a member wants, and can stop: preferences per kind (off, at once, daily, weekly), the
review reminder at the member's hour in their time zone, the weekly digest, and the one-click
unsubscribe of RFC 8058. Mails go the way the site sends them (scheduler, queue, real worker,
outbox, SMTP) and are read from a real SMTP server in the test process."""

import re
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_delete
from notifications.models import Frequency, MailPreferences
from notifications.schedule import queue_due_mail
from notifications.unsubscribe import unsubscribe_token, unsubscribe_url
from practice.models import Card
from questions.models import Notification
from questions.services.comments import comment_create
from tests.factories import AnswerFactory, UserFactory
from tests.mail_server import run_worker
from tests.practice_factories import grade, practisable_question

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "https://mlqa.example.org"
LINK = re.compile(r"https?://[^\s\"<>]+")


@pytest.fixture(autouse=True)
def public_site(settings):
    settings.SITE_URL = SITE


def later(seconds=10):
    """The scheduler's clock a little after now: notifications just written have settled."""
    return timezone.now() + timedelta(seconds=seconds)


def deliver(now=None):
    """One scheduler run, then the worker until the queue is empty."""
    queue_due_mail(now or later())
    run_worker()


def save_preferences(member, **changes):
    """Through the real settings page, as the member would."""
    client = Client()
    client.force_login(member)
    data = {
        "answers": "daily",
        "comments": "daily",
        "canonical": "immediate",
        "moderation": "immediate",
        "hour": "8",
        "time_zone": "UTC",
        **changes,
    }
    data = {key: value for key, value in data.items() if value is not False}
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()
    return MailPreferences.objects.get(user=member)


def comment_on_answer_of(member, body="Could you add a source?"):
    answer = AnswerFactory(author=member)
    return comment_create(author=UserFactory(trusted=True), body=body, answer=answer)


def test_a_comment_wanted_at_once_arrives_with_text_html_and_one_click_unsubscribe(
    smtp_inbox,
):
    member = UserFactory(trusted=True)
    save_preferences(member, comments="immediate")
    comment_on_answer_of(member, body="Which loss do you mean?")

    deliver()

    [envelope] = smtp_inbox.received
    assert envelope.rcpt_tos == [member.email]
    [message] = smtp_inbox.messages
    assert message["Subject"].startswith("[MLQA] ")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # Every link, in both parts and the headers, is on the configured public address.
    links = LINK.findall(text) + LINK.findall(html)
    assert links and all(link.startswith(SITE + "/") for link in links), links
    notification = Notification.objects.get(recipient=member)
    open_url = f"{SITE}/notifications/{notification.pk}/"
    assert open_url in text and f'href="{open_url}"' in html
    # RFC 8058: the link in the header, and the one-click POST announced.
    unsubscribe = unsubscribe_url(member.pk, "comment")
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text and unsubscribe in html
    # The link opens the comment and marks the notification read.
    client = Client()
    client.force_login(member)
    response = client.get(open_url.removeprefix(SITE))
    assert response.status_code == HTTPStatus.FOUND
    assert "#comment-" in response["Location"]


def test_a_mail_client_unsubscribes_with_one_post_without_cookie_or_csrf_token(
    smtp_inbox,
):
    member = UserFactory(trusted=True)
    save_preferences(member, comments="immediate")
    comment_on_answer_of(member)
    deliver()
    [message] = smtp_inbox.messages
    link = message["List-Unsubscribe"].strip("<>")

    # What Gmail or Apple Mail sends: a POST with this body, no session, no CSRF token.
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        link.removeprefix(SITE), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == HTTPStatus.OK
    assert "no longer get mails about comments" in response.content.decode()
    assert MailPreferences.objects.get(user=member).comments == Frequency.OFF

    comment_on_answer_of(member, body="Another comment")
    deliver(later(20))
    assert len(smtp_inbox.received) == 1  # nothing more


def test_the_unsubscribe_link_opened_in_a_browser_asks_first():
    member = UserFactory(trusted=True)
    url = reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(member.pk, "digest")]
    )
    save_preferences(member, digest="on")
    page = Client().get(url)
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "Stop the weekly digest" in html and 'method="post"' in html
    assert page["Cache-Control"].startswith("max-age=0")
    assert (
        MailPreferences.objects.get(user=member).digest is True
    )  # a GET changes nothing
    Client().post(url)
    assert MailPreferences.objects.get(user=member).digest is False


@pytest.mark.parametrize(
    "token",
    ["nonsense", unsubscribe_token(1, "digest")[:-2] + "xx", "a" * 300],
)
def test_a_forged_or_cut_unsubscribe_link_is_a_404_page(token):
    response = Client().post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "not valid" in response.content.decode()


def test_a_deleted_members_link_changes_nothing():
    member = UserFactory(trusted=True)
    token = unsubscribe_token(member.pk, "digest")
    save_preferences(member, digest="on")
    user_delete(user=member)
    assert not MailPreferences.objects.filter(
        user=member
    ).exists()  # private data, gone
    response = Client().post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == HTTPStatus.OK
    assert not MailPreferences.objects.filter(user=member).exists()


def test_answers_in_a_daily_summary_come_once_at_the_members_hour(smtp_inbox):
    member = UserFactory(trusted=True)
    preferences = save_preferences(
        member, answers="daily", comments="off", hour="7", time_zone="Asia/Tokyo"
    )
    # 07:00 in Tokyo is 22:00 UTC: the next such slot, the previous one done already.
    now = timezone.now()
    slot = now.replace(hour=22, minute=0, second=0, microsecond=0)
    if slot <= now:
        slot += timedelta(days=1)
    MailPreferences.objects.filter(pk=preferences.pk).update(
        created_at=now - timedelta(days=10),
        daily_done_at=slot - timedelta(days=1) + timedelta(minutes=1),
    )
    for text in ("New answer on “Q1”", "New answer on “Q2”", "already read"):
        Notification.objects.create(
            recipient=member,
            kind="answer",
            message=text,
            url="/",
            read_at=timezone.now() if text == "already read" else None,
        )
    Notification.objects.create(recipient=member, kind="comment", message="x", url="/")

    deliver(slot - timedelta(minutes=1))  # a minute early: nothing is due
    assert smtp_inbox.received == []
    deliver(slot + timedelta(minutes=1))
    deliver(slot + timedelta(minutes=2))  # a second run in the same slot sends nothing

    [message] = smtp_inbox.messages
    assert "daily summary: 2 new notifications" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "New answer on “Q1”" in text and "New answer on “Q2”" in text
    assert "already read" not in text
    assert "Comments on your posts" not in text  # comments are off
    assert message["List-Unsubscribe"] == f"<{unsubscribe_url(member.pk, 'daily')}>"


def test_a_summary_unsubscribe_stops_every_kind_it_carried():
    member = UserFactory(trusted=True)
    save_preferences(member, answers="daily", comments="daily", moderation="weekly")
    token = unsubscribe_token(member.pk, "daily")
    Client().post(reverse("notifications:unsubscribe", args=[token]))
    preferences = MailPreferences.objects.get(user=member)
    assert (preferences.answers, preferences.comments) == ("off", "off")
    assert preferences.moderation == "weekly"


def due_cards(member, count, *, now):
    """Cards reviewed once, a month ago ("Good"): due again by now."""
    for _ in range(count):
        grade(member, practisable_question(), 3, now - timedelta(days=30))
    assert Card.objects.filter(user=member, due__lte=now).count() == count


def test_the_review_reminder_comes_at_the_members_hour_in_their_time_zone(smtp_inbox):
    member = UserFactory(trusted=True)
    save_preferences(member, reminder="on", hour="19", time_zone="America/New_York")
    now = timezone.now()
    due_cards(member, 3, now=now)
    MailPreferences.objects.filter(user=member).update(
        reminder_done_at=now - timedelta(days=3)
    )
    preferences = MailPreferences.objects.get(user=member)
    slot = preferences.latest_slot(now + timedelta(days=1))  # 19:00 in New York, in UTC
    assert slot.astimezone(preferences_zone(preferences)).hour == 19

    deliver(slot + timedelta(minutes=1))
    deliver(slot + timedelta(minutes=30))

    [message] = smtp_inbox.messages
    assert message["Subject"] == "[MLQA] 3 reviews are due"
    text = message.get_body(("plain",)).get_content()
    assert f"{SITE}/practice/" in text
    assert message["List-Unsubscribe"] == f"<{unsubscribe_url(member.pk, 'reminder')}>"


def preferences_zone(preferences):
    import zoneinfo

    return zoneinfo.ZoneInfo(preferences.time_zone)


def test_no_reminder_when_nothing_is_due_or_when_the_scheduler_was_hours_late(
    smtp_inbox,
):
    idle = UserFactory(trusted=True)
    late = UserFactory(trusted=True)
    for member in (idle, late):
        save_preferences(member, reminder="on", hour="6")
        MailPreferences.objects.filter(user=member).update(
            reminder_done_at=timezone.now() - timedelta(days=3)
        )
    due_cards(late, 2, now=timezone.now())
    slot = MailPreferences.objects.get(user=late).latest_slot(
        timezone.now() + timedelta(days=1)
    )
    deliver(slot + timedelta(hours=5))  # 11:00: too late for "reviews are due"
    assert smtp_inbox.received == []
    assert MailPreferences.objects.get(user=late).reminder_done_at > slot


def test_the_weekly_digest_comes_on_monday(smtp_inbox):
    member = UserFactory(trusted=True)
    save_preferences(member, digest="on", hour="9")
    MailPreferences.objects.filter(user=member).update(
        digest_done_at=timezone.now() - timedelta(days=10)
    )
    question = practisable_question(title="What is label smoothing?")
    preferences = MailPreferences.objects.get(user=member)
    monday = preferences.latest_slot(timezone.now() + timedelta(days=7), weekly=True)
    assert monday.weekday() == 0 and monday.hour == 9

    deliver(monday + timedelta(minutes=1))
    deliver(monday + timedelta(days=1))  # Tuesday: nothing more

    [message] = smtp_inbox.messages
    assert message["Subject"] == "[MLQA] Your week on MLQA"
    html = message.get_body(("html",)).get_content()
    assert "What is label smoothing?" in html
    assert f"{SITE}{question.get_absolute_url()}" in html


def test_a_preference_switched_off_after_queueing_wins(smtp_inbox):
    member = UserFactory(trusted=True)
    save_preferences(member, comments="immediate")
    comment_on_answer_of(member)
    queue_due_mail(later())
    save_preferences(member, comments="off")
    run_worker()
    assert smtp_inbox.received == []


def test_mail_never_goes_to_a_deleted_account(smtp_inbox):
    member = UserFactory(trusted=True)
    save_preferences(member, comments="immediate")
    comment_on_answer_of(member)
    queue_due_mail(later())
    user_delete(user=member)
    run_worker()
    assert smtp_inbox.received == []


def test_a_failing_mail_server_gets_the_reminder_later(smtp_inbox):
    member = UserFactory(trusted=True)
    save_preferences(member, reminder="on", hour="12")
    MailPreferences.objects.filter(user=member).update(
        reminder_done_at=timezone.now() - timedelta(days=3)
    )
    due_cards(member, 1, now=timezone.now())
    smtp_inbox.refuse = 2
    slot = MailPreferences.objects.get(user=member).latest_slot(
        timezone.now() + timedelta(days=1)
    )
    deliver(slot + timedelta(minutes=1))
    [message] = smtp_inbox.messages
    assert message["Subject"] == "[MLQA] 1 review is due"
    assert smtp_inbox.refused == 2


@pytest.mark.django_db(transaction=False)
def test_slots_follow_the_time_zone_across_daylight_saving():
    preferences = MailPreferences(hour=8, time_zone="Europe/Paris")
    winter = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    assert preferences.latest_slot(winter) == datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
    assert preferences.latest_slot(summer) == datetime(2026, 7, 15, 6, 0, tzinfo=UTC)
    early = datetime(2026, 7, 15, 5, 0, tzinfo=UTC)  # 07:00 in Paris: yesterday's slot
    assert preferences.latest_slot(early) == datetime(2026, 7, 14, 6, 0, tzinfo=UTC)
    weekly = preferences.latest_slot(summer, weekly=True)  # a Wednesday
    assert weekly == datetime(2026, 7, 13, 6, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=False)
def test_the_settings_page_is_the_members_own(client, user, django_assert_num_queries):
    url = reverse("notifications:preferences")
    anonymous = client.get(url)
    assert anonymous.status_code == HTTPStatus.FOUND
    assert anonymous["Location"].startswith(reverse("account_login"))
    client.force_login(user)
    client.get(url)  # warm the session and caches
    with django_assert_num_queries(1):  # their preferences (the session is cached)
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert "New answers on questions you follow" in html
    assert 'value="Europe/Paris"' in html


@pytest.mark.django_db(transaction=False)
def test_an_unknown_time_zone_is_refused_with_a_message(client, user):
    client.force_login(user)
    response = client.post(
        reverse("notifications:preferences"),
        {
            "answers": "daily",
            "comments": "sometimes",
            "canonical": "immediate",
            "moderation": "immediate",
            "hour": "25",
            "time_zone": "Mars/Olympus",
        },
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert html.count('role="alert"') >= 3
    assert not MailPreferences.objects.filter(user=user).exists()


@pytest.mark.django_db(transaction=False)
def test_switching_the_reminder_on_waits_for_the_next_slot(client, user):
    client.force_login(user)
    before = timezone.now()
    save_preferences(user, reminder="on", hour=str((before.hour + 23) % 24))
    preferences = MailPreferences.objects.get(user=user)
    assert preferences.reminder_done_at >= before
    assert not preferences.is_due("reminder_done_at", timezone.now())


@pytest.mark.django_db(transaction=False)
def test_every_mails_html_is_valid(user):
    from notifications.mails import digest_mail, notifications_mail, reminder_mail
    from tests.html_checker import html_errors

    comment_on_answer_of(user)
    mails = {
        "reminder": reminder_mail(user, due=3),
        "digest": digest_mail(user, now=timezone.now()),
        "summary": notifications_mail(
            user, list(Notification.objects.filter(recipient=user)), mail_list="daily"
        ),
    }
    documents = {
        name: next(body for body, kind in mail.alternatives if kind == "text/html")
        for name, mail in mails.items()
    }
    errors = html_errors(documents)
    assert not errors, "\n".join(errors)
