"""Study plans through the real views: the shipped plans, joining, progress per section,
practising a plan, members' own plans (private ones a 404 to others), editing rights."""

from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from practice.bookmarks import PlanItem, PlanMembership, PlanSection, StudyPlan
from practice.models import Mode, PracticeSession
from practice.study_plans import SHIPPED_PLANS, load_study_plans
from tests.factories import TopicFactory, UserFactory
from tests.practice_factories import current_item, practisable_question, urls_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    """A public plan of two sections, three questions."""
    topic = TopicFactory()
    questions = [practisable_question(topic=topic) for _ in range(3)]
    plan = StudyPlan.objects.create(slug="onsite", title="Onsite", is_public=True)
    first = PlanSection.objects.create(plan=plan, title="Basics", position=1)
    second = PlanSection.objects.create(plan=plan, title="Deeper", position=2)
    PlanItem.objects.create(section=first, question=questions[1], position=1)
    PlanItem.objects.create(section=first, question=questions[0], position=2)
    PlanItem.objects.create(section=second, question=questions[2], position=1)
    plan.questions = questions
    return plan


def test_the_shipped_plans_are_built_from_the_bank_once(db):
    for slug in ("neural-networks", "optimization", "ml-fundamentals"):
        topic = TopicFactory(slug=slug)
        for _ in range(3):
            practisable_question(topic=topic)
    call_command("load_study_plans")
    assert set(StudyPlan.objects.values_list("slug", flat=True)) == set(SHIPPED_PLANS)
    breadth = StudyPlan.objects.get(slug="ml-breadth-4-weeks")
    assert breadth.is_public and breadth.author is None
    assert breadth.sections.count() == 4
    items = PlanItem.objects.filter(section__plan__slug="deep-learning-onsite")
    assert items.count() == 6  # 3 neural-networks + 3 optimization
    before = list(PlanItem.objects.order_by("pk").values_list("pk", "question_id"))
    assert load_study_plans()[0].endswith("kept as it is")
    assert (
        list(PlanItem.objects.order_by("pk").values_list("pk", "question_id")) == before
    )


def test_a_visitor_sees_a_public_plan_and_its_followers(client, plan):
    PlanMembership.objects.create(plan=plan, user=UserFactory())
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "1 member follows it" in page
    assert plan.questions[0].title in page and "Sign in" in page
    index = client.get(reverse("practice:plans")).content.decode()
    assert "Onsite" in index and "1 member follows" in index


def test_joining_shows_progress_per_section(user_client, user, plan):
    response = user_client.post(reverse("practice:plan-join", args=[plan.slug]))
    assert response["Location"] == plan.get_absolute_url()
    assert PlanMembership.objects.filter(plan=plan, user=user).exists()
    user_client.post(reverse("practice:plan-practise", args=[plan.slug]))
    session = PracticeSession.objects.get(user=user)
    assert session.mode == Mode.PLAN and session.study_plan == plan
    shown = []
    for rating in ("3", "4"):
        item = current_item(session)
        shown.append(item.question_id)
        reveal_url, grade_url = urls_for(item)
        user_client.post(reveal_url, {"thought": "on"})
        user_client.post(grade_url, {"rating": rating})
    # New questions come in the plan's order.
    assert shown == [plan.questions[1].pk, plan.questions[0].pk]
    page = user_client.get(plan.get_absolute_url()).content.decode()
    assert (
        "2 of 2 practised, 1 learnt" in page
    )  # Easy graduates a new card; Good does not
    assert "0 of 1 practised, 0 learnt" in page
    assert "2 of 3 questions practised" in page
    user_client.post(reverse("practice:plan-leave", args=[plan.slug]))
    assert not PlanMembership.objects.exists()


def test_a_members_private_plan_is_theirs_alone(client, user, plan):
    author = UserFactory()
    client.force_login(author)
    response = client.post(reverse("practice:plans"), {"title": "My secret plan"})
    mine = StudyPlan.objects.get(author=author)
    assert response["Location"] == mine.get_absolute_url()
    assert not mine.is_public
    client.post(
        reverse("practice:plan-section-add", args=[mine.slug]), {"title": "Part one"}
    )
    section = mine.sections.get()
    client.post(
        reverse("practice:plan-item-add", args=[mine.slug]),
        {"section": section.pk, "question": plan.questions[0].pk},
    )
    assert list(section.items.values_list("question_id", flat=True)) == [
        plan.questions[0].pk
    ]
    # Another member, and a visitor: a 404, and the index does not list it.
    other = Client()
    other.force_login(user)
    for reader in (other, Client()):
        assert reader.get(mine.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
        assert (
            "My secret plan"
            not in reader.get(reverse("practice:plans")).content.decode()
        )
    assert (
        other.post(reverse("practice:plan-join", args=[mine.slug])).status_code
        == HTTPStatus.NOT_FOUND
    )
    assert (
        other.post(reverse("practice:plan-practise", args=[mine.slug])).status_code
        == HTTPStatus.NOT_FOUND
    )


def test_only_the_author_edits_a_plan_moderators_edit_shipped_ones(
    user, moderator, plan
):
    user_client, moderator_client = Client(), Client()
    user_client.force_login(user)
    moderator_client.force_login(moderator)
    url = reverse("practice:plan-section-add", args=[plan.slug])
    user_client.post(url, {"title": "Sneaky"})
    assert plan.sections.count() == 2
    moderator_client.post(url, {"title": "Extra"})
    assert plan.sections.count() == 3
    item = PlanItem.objects.filter(section__plan=plan).first()
    user_client.post(reverse("practice:plan-item-remove", args=[plan.slug, item.pk]))
    assert PlanItem.objects.filter(pk=item.pk).exists()


def test_bad_plan_input_is_a_clear_message(user, client):
    client.force_login(user)
    response = client.post(reverse("practice:plans"), {"title": ""})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "This field is required" in response.content.decode()
    client.post(reverse("practice:plans"), {"title": "Mine"})
    mine = StudyPlan.objects.get(author=user)
    client.post(
        reverse("practice:plan-section-add", args=[mine.slug]), {"title": "One"}
    )
    response = client.post(
        reverse("practice:plan-item-add", args=[mine.slug]),
        {"section": mine.sections.get().pk, "question": 999999},
        follow=True,
    )
    assert "There is no published question number 999999" in response.content.decode()


def test_the_plan_page_costs_a_fixed_number_of_queries(
    user_client, user, plan, django_assert_max_num_queries
):
    PlanMembership.objects.create(plan=plan, user=user)
    user_client.get(plan.get_absolute_url())
    with django_assert_max_num_queries(10):
        user_client.get(plan.get_absolute_url())
    with django_assert_max_num_queries(8):
        user_client.get(reverse("practice:plans"))
