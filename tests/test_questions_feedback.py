"""What members tell about a question: asked in interviews (totals only), useful votes,
difficulty ratings and the community's difficulty; sorts, filters, pages, privacy, limits."""

import json
import threading
from http import HTTPStatus

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from questions.models import (
    COMMUNITY_DIFFICULTY_MIN_RATINGS,
    DifficultyRating,
    InterviewMark,
    InterviewSummary,
    Question,
    Status,
    UsefulVote,
)
from questions.services.feedback import (
    FeedbackRefused,
    difficulty_rate,
    interview_mark_remove,
    interview_mark_set,
    useful_vote_set,
)
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def members(n):
    return [UserFactory(trusted=True) for _ in range(n)]


def fresh(question):
    return Question.objects.get(pk=question.pk)


def page_html(client, question):
    response = client.get(question.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def box_of(html):
    start = html.index('id="feedback"')
    return html[start : html.index("</section>", start)]


def download_text(client):
    response = client.get(reverse("questions:download"))
    return b"".join(response.streaming_content).decode()


def list_titles(client, **params):
    response = client.get(reverse("questions:list"), params)
    assert response.status_code == HTTPStatus.OK
    return [q.title for q in response.context["page"].object_list]


# Services and the database's rules


def test_marks_add_up_to_totals_by_role_and_years():
    question = QuestionFactory()
    a, b, c, d = members(4)
    interview_mark_set(user=a, question=question, role="ml-engineer", year=2024)
    interview_mark_set(user=b, question=question, role="ml-engineer", year=2026)
    interview_mark_set(user=c, question=question, role="data-scientist", year=2025)
    interview_mark_set(user=d, question=question)  # nothing said
    assert fresh(question).interview_count == 4
    summary = InterviewSummary.for_question(question.pk)
    assert summary.roles == [("ML engineer", 2), ("Data scientist", 1)]
    assert summary.years == "2024–2026"
    # Marking again changes the member's one mark, not the count.
    interview_mark_set(user=d, question=question, role="data-scientist")
    assert fresh(question).interview_count == 4
    assert InterviewSummary.for_question(question.pk).roles == [
        ("ML engineer", 2),
        ("Data scientist", 2),
    ]
    interview_mark_remove(user=a, question=question)
    interview_mark_remove(user=a, question=question)  # again: nothing to remove
    assert fresh(question).interview_count == 3


def test_companies_are_named_only_once_two_members_name_them():
    question = QuestionFactory()
    a, b, c = members(3)
    interview_mark_set(user=a, question=question, company="Acme Corp")
    interview_mark_set(user=b, question=question, company="Initech")
    assert InterviewSummary.for_question(question.pk).companies == []
    interview_mark_set(user=c, question=question, company="  acme   corp ")
    assert InterviewSummary.for_question(question.pk).companies == [("Acme Corp", 2)]


def test_one_mark_vote_and_rating_per_member_and_question_in_the_database():
    question, member = QuestionFactory(), UserFactory()
    InterviewMark.objects.create(question=question, user=member)
    UsefulVote.objects.create(question=question, user=member)
    DifficultyRating.objects.create(question=question, user=member, difficulty="hard")
    for model, extra in [
        (InterviewMark, {}),
        (UsefulVote, {}),
        (DifficultyRating, {"difficulty": "easy"}),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.create(question=question, user=member, **extra)


@pytest.mark.parametrize("year", [1800, 2500])
def test_the_year_range_is_a_database_constraint(year):
    with pytest.raises(IntegrityError), transaction.atomic():
        InterviewMark.objects.create(
            question=QuestionFactory(), user=UserFactory(), year=year
        )


def test_ratings_are_easy_medium_or_hard_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        DifficultyRating.objects.create(
            question=QuestionFactory(), user=UserFactory(), difficulty="unrated"
        )


def test_useful_votes_count_once_and_can_be_taken_back():
    question = QuestionFactory()
    a, b = members(2)
    assert useful_vote_set(user=a, question=question, useful=True) == 1
    assert useful_vote_set(user=a, question=question, useful=True) == 1
    assert useful_vote_set(user=b, question=question, useful=True) == 2
    assert useful_vote_set(user=a, question=question, useful=False) == 1
    assert fresh(question).useful_count == 1


def test_the_community_difficulty_shows_from_the_threshold_on():
    question = QuestionFactory(difficulty="unrated")
    raters = members(COMMUNITY_DIFFICULTY_MIN_RATINGS)
    levels = ["hard", "hard", "medium", "hard", "easy"]
    for rater, level in zip(raters[:-1], levels, strict=False):
        difficulty_rate(user=rater, question=question, difficulty=level)
    below = fresh(question)
    assert below.difficulty_rating_count == COMMUNITY_DIFFICULTY_MIN_RATINGS - 1
    assert below.shown_difficulty == "unrated" and not below.difficulty_is_community
    difficulty_rate(user=raters[-1], question=question, difficulty=levels[-1])
    rated = fresh(question)
    assert rated.community_difficulty == "hard"  # the middle of E M H H H
    assert rated.shown_difficulty == "hard" and rated.difficulty_is_community
    assert rated.difficulty_rank == 3
    # A rating taken back drops below the threshold again.
    difficulty_rate(user=raters[0], question=question, difficulty=None)
    assert fresh(question).shown_difficulty == "unrated"
    assert fresh(question).difficulty_rank == 4


def test_the_sources_difficulty_wins_over_the_communitys():
    question = QuestionFactory(difficulty="easy")
    for rater in members(COMMUNITY_DIFFICULTY_MIN_RATINGS):
        difficulty_rate(user=rater, question=question, difficulty="hard")
    question = fresh(question)
    assert question.community_difficulty == "hard"
    assert question.shown_difficulty == "easy" and question.difficulty_rank == 1


def test_only_published_questions_take_signals():
    pending = QuestionFactory()
    Question.objects.filter(pk=pending.pk).update(status=Status.PENDING)
    with pytest.raises(FeedbackRefused) as refused:
        useful_vote_set(user=UserFactory(), question=pending, useful=True)
    assert refused.value.status == HTTPStatus.NOT_FOUND
    with pytest.raises(FeedbackRefused):
        difficulty_rate(user=UserFactory(), question=pending.pk, difficulty="hard")


def test_an_edit_of_the_question_keeps_the_totals():
    """A question loaded before a vote and saved after it doesn't write its old totals back."""
    question = QuestionFactory()
    stale = fresh(question)
    useful_vote_set(user=UserFactory(), question=question, useful=True)
    stale.title = "An edited title for this question?"
    stale.save()
    assert fresh(question).useful_count == 1


# The pages, without JavaScript and with htmx


def test_anonymous_visitors_are_sent_to_log_in(client):
    question = QuestionFactory()
    for name in ("questions:useful-vote", "questions:interview-mark"):
        response = client.post(reverse(name, args=[question.pk]), {"useful": "1"})
        assert response.status_code == HTTPStatus.FOUND
        assert "/accounts/login/" in response["Location"]
    assert not UsefulVote.objects.exists()


def test_members_without_a_verified_email_are_refused(client):
    question = QuestionFactory()
    client.force_login(UserFactory(verified=False))
    response = client.post(
        reverse("questions:useful-vote", args=[question.pk]), {"useful": "1"}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not UsefulVote.objects.exists()


def test_signals_on_a_proposal_or_a_missing_question_are_404(user_client):
    pending = QuestionFactory()
    Question.objects.filter(pk=pending.pk).update(status=Status.PENDING)
    for pk in (pending.pk, 999999):
        url = reverse("questions:difficulty-rate", args=[pk])
        assert (
            user_client.post(url, {"difficulty": "hard"}).status_code
            == HTTPStatus.NOT_FOUND
        )


def test_without_javascript_each_form_posts_back_to_the_box(user_client, user):
    question = QuestionFactory(difficulty="unrated")
    url = question.get_absolute_url()
    posts = [
        ("questions:useful-vote", {"useful": "1"}),
        ("questions:difficulty-rate", {"difficulty": "medium"}),
        (
            "questions:interview-mark",
            {"role": "data-scientist", "company": "Acme", "year": "2025"},
        ),
    ]
    for name, data in posts:
        response = user_client.post(reverse(name, args=[question.pk]), data)
        assert response.status_code == HTTPStatus.SEE_OTHER
        assert response["Location"] == f"{url}#feedback"
    question = fresh(question)
    assert (question.useful_count, question.difficulty_rating_count) == (1, 1)
    assert question.interview_count == 1
    box = box_of(page_html(user_client, question))
    assert "Asked in <strong>1</strong> interview: 1 Data scientist; 2025." in box
    assert 'aria-pressed="true"' in box  # their useful vote
    assert 'value="medium" checked' in box  # their rating
    assert 'value="Acme"' in box  # their own mark, to change on their own page
    assert "Remove my mark" in box
    # Undo each.
    user_client.post(
        reverse("questions:useful-vote", args=[question.pk]), {"useful": "0"}
    )
    user_client.post(
        reverse("questions:difficulty-rate", args=[question.pk]), {"remove": "1"}
    )
    user_client.post(
        reverse("questions:interview-mark", args=[question.pk]), {"remove": "1"}
    )
    question = fresh(question)
    assert (question.useful_count, question.difficulty_rating_count) == (0, 0)
    assert question.interview_count == 0
    assert "No member has said an interview asked this yet." in page_html(
        user_client, question
    )


def test_htmx_gets_the_box_back_with_the_new_totals(user_client):
    question = QuestionFactory()
    response = user_client.post(
        reverse("questions:useful-vote", args=[question.pk]), {"useful": "1"}, **HTMX
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="feedback card" id="feedback"')
    assert "<strong>1</strong> member found it useful." in html
    assert 'aria-pressed="true"' in html
    response = user_client.post(
        reverse("questions:interview-mark", args=[question.pk]),
        {"role": "ml-engineer", "year": "2024"},
        **HTMX,
    )
    assert "Asked in <strong>1</strong> interview: 1 ML engineer; 2024." in (
        response.content.decode()
    )


def test_a_bad_year_is_400_with_the_members_text_kept(user_client):
    question = QuestionFactory()
    url = reverse("questions:interview-mark", args=[question.pk])
    data = {"role": "ml-engineer", "company": "Globex Research", "year": "1700"}
    response = user_client.post(url, data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "Give a year from 1990 to" in html and 'value="Globex Research"' in html
    assert "<details" in html and "feedback-interview" in html
    response = user_client.post(url, data, **HTMX)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'value="Globex Research"' in response.content.decode()
    assert not InterviewMark.objects.exists()


@pytest.mark.parametrize(
    "name, data",
    [
        ("questions:useful-vote", {"useful": "maybe"}),
        ("questions:difficulty-rate", {"difficulty": "impossible"}),
        ("questions:difficulty-rate", {}),
        ("questions:interview-mark", {"role": "astronaut"}),
    ],
)
def test_bad_values_are_400_never_500(user_client, name, data):
    question = QuestionFactory()
    for extra in ({}, HTMX):
        response = user_client.post(reverse(name, args=[question.pk]), data, **extra)
        assert response.status_code == HTTPStatus.BAD_REQUEST
    assert fresh(question).useful_count == 0
    assert not DifficultyRating.objects.exists() and not InterviewMark.objects.exists()


def test_signals_are_rate_limited(user_client, settings):
    from accounts import ratelimit

    question = QuestionFactory()
    url = reverse("questions:useful-vote", args=[question.pk])
    limit = ratelimit.LIMITS["feedback"][0]
    for i in range(limit):
        user_client.post(url, {"useful": str(i % 2)})
    response = user_client.post(url, {"useful": "1"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "at most 120 times an hour" in response.content.decode()


# Privacy: totals only, to everyone, in the HTML and the API


def test_nobody_sees_who_marked_what(client):
    question = QuestionFactory()
    marker = UserFactory(trusted=True, username="secretive", display_name="Sam Secret")
    interview_mark_set(
        user=marker,
        question=question,
        role="research-scientist",
        company="Umbrella Labs",
        year=2025,
    )
    useful_vote_set(user=marker, question=question, useful=True)
    difficulty_rate(user=marker, question=question, difficulty="hard")
    other = Client()
    other.force_login(UserFactory(trusted=True))
    api_detail = client.get(f"/api/v1/questions/{question.pk}")
    assert api_detail.status_code == HTTPStatus.OK, api_detail.content
    assert api_detail.json()["interview_count"] == 1
    for html in (
        page_html(client, question),
        page_html(other, question),
        client.get(reverse("questions:list"), {"sort": "asked"}).content.decode(),
        api_detail.content.decode(),
        download_text(client),
    ):
        assert "Umbrella" not in html  # named by one member only
        assert "secretive" not in html and "Sam Secret" not in html
    assert "1 Research scientist; 2025" in page_html(client, question)


def test_the_api_and_export_give_totals(client):
    question = QuestionFactory(difficulty="unrated")
    for rater in members(COMMUNITY_DIFFICULTY_MIN_RATINGS):
        difficulty_rate(user=rater, question=question, difficulty="easy")
        useful_vote_set(user=rater, question=question, useful=True)
    data = client.get(f"/api/v1/questions/{question.pk}").json()
    assert data["difficulty"] == "unrated"
    assert data["shown_difficulty"] == "easy"
    assert data["community_difficulty"] == "easy"
    assert data["difficulty_rating_count"] == COMMUNITY_DIFFICULTY_MIN_RATINGS
    assert data["useful_count"] == COMMUNITY_DIFFICULTY_MIN_RATINGS
    listed = client.get("/api/v1/questions", {"difficulty": "easy"}).json()
    assert [row["id"] for row in listed["results"]] == [question.pk]
    lines = download_text(client).splitlines()
    exported = [json.loads(line) for line in lines]
    row = next(r for r in exported if r.get("id") == question.pk)
    assert row["shown_difficulty"] == "easy" and row["useful_count"] == 5


# Lists: sorts and filters, fresh after every write


def test_lists_sort_by_most_asked_and_most_useful(client):
    few, many, none = (QuestionFactory(title=t) for t in ("Few?", "Many?", "None?"))
    voters = members(3)
    for voter in voters:
        interview_mark_set(user=voter, question=many)
        useful_vote_set(user=voter, question=few, useful=True)
    interview_mark_set(user=voters[0], question=few)
    assert list_titles(client, sort="asked")[:2] == ["Many?", "Few?"]
    assert list_titles(client, sort="useful")[0] == "Few?"
    # A new vote shows at once on the cached list.
    for voter in members(4):
        useful_vote_set(user=voter, question=none, useful=True)
    assert list_titles(client, sort="useful")[0] == "None?"
    html = client.get(reverse("questions:list"), {"sort": "asked"}).content.decode()
    assert "<strong>3</strong> asked in interviews" in html
    assert "<strong>4</strong> found it useful" in html


def test_lists_filter_by_interviews_roles_and_community_difficulty(client):
    asked = QuestionFactory(title="Asked of an engineer?", difficulty="unrated")
    QuestionFactory(title="Never asked?", difficulty="unrated")
    QuestionFactory(title="Hard from its source?", difficulty="hard")
    interview_mark_set(user=UserFactory(), question=asked, role="ml-engineer")
    assert list_titles(client, asked="yes") == ["Asked of an engineer?"]
    assert list_titles(client, asked="ml-engineer") == ["Asked of an engineer?"]
    assert list_titles(client, asked="data-scientist") == []
    assert list_titles(client, difficulty="hard") == ["Hard from its source?"]
    for rater in members(COMMUNITY_DIFFICULTY_MIN_RATINGS):
        difficulty_rate(user=rater, question=asked, difficulty="hard")
    assert set(list_titles(client, difficulty="hard")) == {
        "Asked of an engineer?",
        "Hard from its source?",
    }
    assert len(list_titles(client, difficulty="unrated")) == 1
    html = client.get(reverse("questions:list"), {"difficulty": "hard"}).content
    assert b"Hard (community)" in html
    response = client.get(reverse("questions:list"), {"asked": "sometimes"})
    assert response.status_code == HTTPStatus.OK  # shown as an error, never fatal
    assert "Interviews" in response.content.decode()


def test_the_question_page_is_fresh_for_visitors_after_each_signal(client):
    question = QuestionFactory()
    assert "No member has said" in page_html(client, question)  # now cached
    interview_mark_set(user=UserFactory(), question=question, role="data-engineer")
    assert "Asked in <strong>1</strong> interview: 1 Data engineer." in page_html(
        client, question
    )
    useful_vote_set(user=UserFactory(), question=question, useful=True)
    assert "<strong>1</strong> member found it useful." in page_html(client, question)
    # An admin or shell write (a plain save) replaces the page too.
    UsefulVote.objects.create(question=question, user=UserFactory())
    Question.objects.filter(pk=question.pk).update(useful_count=2)
    assert "<strong>2</strong> members found it useful." in page_html(client, question)


# Query counts


def test_question_page_queries_do_not_grow_with_marks(
    client, user, django_assert_max_num_queries, settings
):
    settings.PAGE_CACHE_SECONDS = 0  # rendered every time
    question = QuestionFactory()
    client.force_login(user)
    interview_mark_set(user=user, question=question, role="ml-engineer")
    with django_assert_max_num_queries(14) as small:
        client.get(question.get_absolute_url())
    for member in members(12):
        interview_mark_set(user=member, question=question, company="Acme", year=2025)
        useful_vote_set(user=member, question=question, useful=True)
        difficulty_rate(user=member, question=question, difficulty="easy")
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = page_html(client, question)
    assert "Asked in <strong>13</strong> interviews" in html
    assert "at Acme (12)" in html


@pytest.mark.parametrize("sort", ["asked", "useful"])
def test_list_queries_stay_pinned_with_the_new_sorts(
    client, django_assert_max_num_queries, sort
):
    from tests.test_questions_browse import LIST_QUERIES

    for question in [QuestionFactory() for _ in range(30)]:
        interview_mark_set(user=UserFactory(), question=question)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("questions:list"), {"sort": sort})
    assert len(response.context["page"].object_list) == 25


# PostgreSQL: members voting at once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_and_ratings_keep_true_totals():
    question = QuestionFactory(difficulty="unrated")
    voters = members(8)
    errors = []

    def vote(member):
        try:
            useful_vote_set(user=member, question=question.pk, useful=True)
            difficulty_rate(user=member, question=question.pk, difficulty="hard")
            interview_mark_set(user=member, question=question.pk, year=2025)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(m,)) for m in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    question = fresh(question)
    assert (question.useful_count, question.difficulty_rating_count) == (8, 8)
    assert question.interview_count == 8 and question.community_difficulty == "hard"


def test_the_totals_are_checked_invariants():
    from devtools.invariants import check_invariants

    question = QuestionFactory()
    member = UserFactory()
    interview_mark_set(user=member, question=question)
    useful_vote_set(user=member, question=question, useful=True)
    difficulty_rate(user=member, question=question, difficulty="easy")
    found = check_invariants()
    names = (
        "question_interview_count",
        "question_useful_count",
        "question_difficulty_rating_count",
    )
    assert all(found[name] == [] for name in names)
    Question.objects.filter(pk=question.pk).update(
        interview_count=5, useful_count=0, difficulty_rating_count=2
    )
    found = check_invariants()
    assert all(found[name] == [question.pk] for name in names)
