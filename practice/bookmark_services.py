"""Writes for lists, notes and study plans: each a function inside one transaction."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .bookmarks import (
    MAX_LISTS,
    ListEntry,
    PlanItem,
    PlanMembership,
    PlanSection,
    QuestionList,
    QuestionNote,
    StudyPlan,
    new_share_token,
)
from .services import PracticeRefused


@transaction.atomic
def list_create(*, user, name, is_public=False) -> QuestionList:
    if QuestionList.objects.filter(user=user).count() >= MAX_LISTS:
        raise PracticeRefused(f"You can keep at most {MAX_LISTS} lists.")
    question_list = QuestionList(user=user, name=name.strip(), is_public=is_public)
    question_list.full_clean()
    question_list.save()
    return question_list


@transaction.atomic
def list_update(*, question_list, name, is_public, new_link=False) -> QuestionList:
    """Rename a list, make it public or private, or replace its share link (the old one dies)."""
    question_list.name = name.strip()
    question_list.is_public = is_public
    if new_link:
        question_list.share_token = new_share_token()
    question_list.full_clean()
    question_list.save()
    return question_list


@transaction.atomic
def list_delete(*, question_list) -> None:
    question_list.delete()


@transaction.atomic
def question_lists_set(*, user, question, list_ids) -> None:
    """Put the question in exactly these of the member's lists (ids of other members' lists
    are ignored)."""
    lists = QuestionList.objects.filter(user=user)
    wanted = set(lists.filter(pk__in=list_ids).values_list("pk", flat=True))
    entries = ListEntry.objects.filter(question_list__user=user, question=question)
    for entry in entries.exclude(question_list_id__in=wanted):
        entry.delete()
    present = set(entries.values_list("question_list_id", flat=True))
    for list_id in sorted(wanted - present):
        ListEntry.objects.create(question_list_id=list_id, question=question)


@transaction.atomic
def list_entry_remove(*, question_list, question_id) -> None:
    for entry in question_list.entries.filter(question_id=question_id):
        entry.delete()


@transaction.atomic
def note_save(*, user, question, body) -> QuestionNote | None:
    """Keep the member's note on a question; an empty body deletes it."""
    body = body.strip()
    note = (
        QuestionNote.objects.select_for_update()
        .filter(user=user, question=question)
        .first()
    )
    if not body:
        if note is not None:
            note.delete()
        return None
    note = note or QuestionNote(user=user, question=question)
    note.body = body
    note.updated_at = timezone.now()
    note.full_clean(exclude=["user", "question"], validate_unique=False)
    note.save()
    return note


@transaction.atomic
def plan_join(*, user, plan) -> PlanMembership:
    membership, _ = PlanMembership.objects.get_or_create(plan=plan, user=user)
    return membership


@transaction.atomic
def plan_leave(*, user, plan) -> None:
    for membership in PlanMembership.objects.filter(plan=plan, user=user):
        membership.delete()


@transaction.atomic
def plan_create(*, author, title, slug, description="", is_public=False) -> StudyPlan:
    plan = StudyPlan(
        author=author,
        title=title.strip(),
        slug=slug,
        description=description.strip(),
        is_public=is_public,
    )
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_section_add(*, plan, title) -> PlanSection:
    last = plan.sections.aggregate(last=Max("position"))["last"] or 0
    section = PlanSection(plan=plan, title=title.strip(), position=last + 1)
    section.full_clean()
    section.save()
    return section


@transaction.atomic
def plan_item_add(*, section, question) -> PlanItem:
    if section.items.filter(question=question).exists():
        raise PracticeRefused("That question is already in this section.")
    last = section.items.aggregate(last=Max("position"))["last"] or 0
    item = PlanItem(section=section, question=question, position=last + 1)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def plan_item_remove(*, plan, item_id) -> None:
    for item in PlanItem.objects.filter(section__plan=plan, pk=item_id):
        item.delete()


@transaction.atomic
def own_cards_import(*, user, topic, cards) -> int:
    """Add imported cards to the member's own deck as private questions, each back as their
    note; a card already in the deck (the same front) is skipped. How many were added."""
    from questions.models import Question, QuestionStatus

    from .own_deck import MAX_OWN_CARDS, own_dedup_key

    keys = {own_dedup_key(user.pk, card.front): card for card in cards}
    existing = set(
        Question.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True)
    )
    fresh = {key: card for key, card in keys.items() if key not in existing}
    owned = Question.objects.filter(author=user, status=QuestionStatus.PRIVATE).count()
    if owned + len(fresh) > MAX_OWN_CARDS:
        raise PracticeRefused(
            f"Your own deck can hold at most {MAX_OWN_CARDS:,} cards ({owned:,} now)."
        )
    for key, card in fresh.items():
        question = Question(
            title=card.front,
            topic=topic,
            author=user,
            status=QuestionStatus.PRIVATE,
            dedup_key=key,
        )
        question.full_clean()
        question.save()
        QuestionNote.objects.create(user=user, question=question, body=card.back)
    return len(fresh)


@transaction.atomic
def own_card_delete(*, user, question_id) -> None:
    from questions.models import Question, QuestionStatus

    for question in Question.objects.filter(
        pk=question_id, author=user, status=QuestionStatus.PRIVATE
    ):
        question.delete()  # its card, reviews and note go with it
