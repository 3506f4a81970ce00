"""A question merged into another (questions.services.curation.question_merge): each member's
practice card on the merged question joins their card on the one it was merged into, and its
place in lists and study plans and its notes follow it.

Registered as a merge hook in PracticeConfig.ready(), so questions imports nothing of practice.
Session items keep pointing at the merged question's row (it stays, as a record of the merge):
a past session still shows what was asked then."""

from caching import rows_changed

from .bookmarks import MAX_NOTE_LENGTH, ListEntry, PlanItem, QuestionNote
from .models import Card, Review
from .scheduling import rebuild_card

NOTE_SEPARATOR = "\n\n"


def practice_merge(*, source, target) -> None:
    """Everything of practice on `source` goes to `target`: cards, list entries, plan items
    and notes (one of each where `target` already has one)."""
    cards_merge(source=source, target=target)
    _entries_merge(ListEntry, "question_list", source, target)
    _entries_merge(PlanItem, "section", source, target)
    _notes_merge(source, target)


def _entries_merge(model, container, source, target) -> None:
    """Entries of `source` move to `target`, but where its list (or plan section) has
    `target` already: there the entry of `source` goes."""
    has_target = model.objects.filter(question=target).values(container)
    model.objects.filter(question=source, **{f"{container}__in": has_target}).delete()
    moving = list(model.objects.filter(question=source).values_list("pk", flat=True))
    model.objects.filter(pk__in=moving).update(question=target)
    rows_changed(model, moving, fields=["question"])


def _notes_merge(source, target) -> None:
    """A member's note on `source` moves; with a note on `target` too, it is added to it."""
    kept = {note.user_id: note for note in QuestionNote.objects.filter(question=target)}
    for note in QuestionNote.objects.filter(question=source).order_by("pk"):
        into = kept.get(note.user_id)
        if into is None:
            note.question = target
            note.save(update_fields=["question"])
        else:
            into.body = (into.body + NOTE_SEPARATOR + note.body)[:MAX_NOTE_LENGTH]
            into.save(update_fields=["body"])
            note.delete()


def cards_merge(*, source, target) -> None:
    """A member with a card on `source` only: the card moves to `target` as it is. A member
    with cards on both: `source`'s reviews are re-pointed to the card on `target` (the log is
    kept whole) and that card is rebuilt from the combined log, the other one deleted."""
    moving = Card.objects.select_for_update().filter(question=source).order_by("pk")
    cards = list(moving)
    if not cards:
        return
    kept = {
        card.user_id: card
        for card in Card.objects.select_for_update()
        .filter(question=target, user_id__in=[c.user_id for c in cards])
        .order_by("pk")
    }
    alone = [card for card in cards if card.user_id not in kept]
    Card.objects.filter(pk__in=[card.pk for card in alone]).update(question=target)
    rows_changed(Card, alone, fields=["question"])
    for card in cards:
        into = kept.get(card.user_id)
        if into is None:
            continue
        moved = list(Review.objects.filter(card=card))
        Review.objects.filter(card=card).update(card=into)
        rows_changed(Review, moved, fields=["card"])
        into.created_at = min(into.created_at, card.created_at)
        # A member who chose "forget" on either wording starts the question over from then.
        resets = [at for at in (into.reset_at, card.reset_at) if at is not None]
        into.reset_at = max(resets) if resets else None
        rebuilt = rebuild_card(into, Review.objects.filter(card=into))
        _copy_state(rebuilt, into)
        into.save()
        card.delete()


def _copy_state(rebuilt, card) -> None:
    """The replay's state onto the stored card: every field but its identity (the row, member,
    question and creation time), so the card equals a rebuild from its log."""
    for field in Card._meta.concrete_fields:
        if field.name in ("id", "user", "question", "created_at"):
            continue
        setattr(card, field.attname, getattr(rebuilt, field.attname))
