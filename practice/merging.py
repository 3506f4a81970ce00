"""A question merged into another (questions.services.curation.question_merge): each member's
practice card on the merged question joins their card on the one it was merged into.

Registered as a merge hook in PracticeConfig.ready(), so questions imports nothing of practice.
Session items keep pointing at the merged question's row (it stays, as a record of the merge):
a past session still shows what was asked then."""

from caching import rows_changed

from .models import Card, Review
from .scheduling import rebuild_card


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
