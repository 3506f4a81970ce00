"""Study plans: an ordered plan of questions in sections. Public plans are listed and open to
anyone; a member's private plan is theirs alone (a 404 to others). Members join a plan, see
their progress per section and practise from it."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from accounts.ratelimit import rate_limited
from questions.models import Question

from ..bookmark_forms import PlanItemForm, PlanSectionForm, StudyPlanForm
from ..bookmark_services import (
    plan_create,
    plan_item_add,
    plan_item_remove,
    plan_join,
    plan_leave,
    plan_section_add,
)
from ..bookmarks import PlanItem, PlanMembership, StudyPlan
from ..models import Card, CardState, Mode
from ..selectors import practice_settings
from ..services import NothingToPractise, PracticeRefused, session_start


def _visible_plans(user):
    """Public plans, and the member's own."""
    if user.is_authenticated:
        return StudyPlan.objects.filter(Q(is_public=True) | Q(author=user))
    return StudyPlan.objects.filter(is_public=True)


def _plan(request, slug):
    return get_object_or_404(_visible_plans(request.user), slug=slug)


def _may_edit(user, plan) -> bool:
    """The author; moderators edit the plans shipped with the site (no author)."""
    if not user.is_authenticated:
        return False
    if plan.author_id is not None:
        return plan.author_id == user.pk
    return bool(getattr(user, "is_moderator", False))


def _editable_plan(request, slug):
    plan = _plan(request, slug)
    if not _may_edit(request.user, plan):
        messages.error(request, "Only the plan's author can change it.")
        return None, redirect(plan)
    return plan, None


@rate_limited("plan")
def plan_index(request):
    """Public plans with how many members follow each; a member's own; a form for a new one."""
    form = None
    if request.user.is_authenticated:
        form = StudyPlanForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            slug = f"{slugify(form.cleaned_data['title'])[:60]}-{secrets.token_hex(3)}"
            plan = plan_create(
                author=request.user,
                slug=slug or secrets.token_hex(6),
                **form.cleaned_data,
            )
            messages.success(
                request, "Your plan was created: add sections and questions."
            )
            return redirect(plan)
    elif request.method == "POST":
        return redirect_to_login(request.get_full_path())
    plans = (
        _visible_plans(request.user)
        .annotate(
            followers=Count("memberships", distinct=True),
            size=Count("sections__items", distinct=True),
        )
        .select_related("author")
    )
    following = set()
    if request.user.is_authenticated:
        following = set(
            PlanMembership.objects.filter(user=request.user).values_list(
                "plan_id", flat=True
            )
        )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "practice/plans.html",
        {"plans": plans, "form": form, "following": following},
        status=status,
    )


def _sections(plan, user):
    """The plan's sections with their published questions and, for a member, their progress:
    questions practised (graded at least once) and learnt (graduated to review)."""
    items = list(
        PlanItem.objects.filter(section__plan=plan, question__status="published")
        .select_related("question__topic", "section")
        .defer("question__search_vector", "question__body_html")
        .order_by("section__position", "position")
    )
    cards = {}
    if user.is_authenticated:
        cards = dict(
            Card.objects.practised()
            .filter(user=user, question_id__in=[i.question_id for i in items])
            .values_list("question_id", "state")
        )
    sections = {section.pk: section for section in plan.sections.all()}
    for section in sections.values():
        section.plan_items = []
        section.practised = section.learnt = 0
    for item in items:
        section = sections[item.section_id]
        item.card_state = cards.get(item.question_id)
        section.plan_items.append(item)
        if item.card_state is not None:
            section.practised += 1
            section.learnt += item.card_state == CardState.REVIEW
    return list(sections.values())


@require_safe
def plan_detail(request, slug):
    """A plan's sections and questions, its followers; a member's progress per section."""
    plan = _plan(request, slug)
    sections = _sections(plan, request.user)
    following = (
        request.user.is_authenticated
        and PlanMembership.objects.filter(plan=plan, user=request.user).exists()
    )
    context = {
        "plan": plan,
        "sections": sections,
        "following": following,
        "followers": plan.memberships.count(),
        "total": sum(len(s.plan_items) for s in sections),
        "practised": sum(s.practised for s in sections),
        "may_edit": _may_edit(request.user, plan),
    }
    if context["may_edit"]:
        context["section_form"] = PlanSectionForm()
        context["item_form"] = PlanItemForm(plan=plan)
    return render(request, "practice/plan_detail.html", context)


@login_required
@require_POST
@rate_limited("plan")
def plan_join_view(request, slug):
    plan = _plan(request, slug)
    plan_join(user=request.user, plan=plan)
    messages.success(request, f"You follow “{plan.title}”.")
    return redirect(plan)


@login_required
@require_POST
@rate_limited("plan")
def plan_leave_view(request, slug):
    plan = _plan(request, slug)
    plan_leave(user=request.user, plan=plan)
    messages.success(request, f"You no longer follow “{plan.title}”.")
    return redirect(plan)


@login_required
@require_POST
@rate_limited("practice_start")
def plan_practise(request, slug):
    """Join the plan if need be and practise it: due cards, new questions in the plan's order,
    then early reviews."""
    plan = _plan(request, slug)
    try:
        session = session_start(
            user=request.user,
            mode=Mode.PLAN,
            study_plan=plan,
            size=practice_settings(request.user).session_size,
        )
    except NothingToPractise:
        messages.info(request, "Nothing to practise in this plan yet.")
        return redirect(plan)
    plan_join(user=request.user, plan=plan)
    return redirect(session)


@login_required
@require_POST
@rate_limited("plan")
def plan_section_add_view(request, slug):
    plan, refused = _editable_plan(request, slug)
    if refused:
        return refused
    form = PlanSectionForm(request.POST)
    if form.is_valid():
        plan_section_add(plan=plan, title=form.cleaned_data["title"])
        messages.success(request, "The section was added.")
    else:
        messages.error(request, "Give the section a title (at most 120 characters).")
    return redirect(plan)


@login_required
@require_POST
@rate_limited("plan")
def plan_item_add_view(request, slug):
    plan, refused = _editable_plan(request, slug)
    if refused:
        return refused
    form = PlanItemForm(request.POST, plan=plan)
    if not form.is_valid():
        messages.error(request, "Choose a section and give a question's number.")
        return redirect(plan)
    question = (
        Question.objects.published().filter(pk=form.cleaned_data["question"]).first()
    )
    if question is None:
        messages.error(
            request,
            f"There is no published question number {form.cleaned_data['question']}.",
        )
        return redirect(plan)
    try:
        plan_item_add(section=form.cleaned_data["section"], question=question)
    except PracticeRefused as refused_add:
        messages.error(request, refused_add.message)
    else:
        messages.success(request, "The question was added.")
    return redirect(plan)


@login_required
@require_POST
@rate_limited("plan")
def plan_item_remove_view(request, slug, item_pk):
    plan, refused = _editable_plan(request, slug)
    if refused:
        return refused
    plan_item_remove(plan=plan, item_id=item_pk)
    messages.success(request, "The question was taken off the plan.")
    return redirect(plan)
