"""What practice rows feed: the `practice:<pk>` token of one member's practice figures (their
cards, reviews, sessions, session items, settings and fitted FSRS parameters), under which the practice home, progress
and session pages and the cached practice snapshot are stored. Every save and delete of one of
those rows replaces it (the services, the admin, factories, an account deletion)."""

from caching import feeds, member_token

from .models import (
    Card,
    FsrsParameters,
    PracticeSession,
    PracticeSettings,
    QuestionList,
    QuestionNote,
    Review,
    SessionItem,
)


def practice_token(user_id) -> str:
    return f"practice:{int(user_id)}"


@feeds(Card)
@feeds(Review)
@feeds(PracticeSession)
@feeds(PracticeSettings)
@feeds(FsrsParameters)
@feeds(QuestionList)  # the session page names the list it practises
def member_practice_rows(row):
    return [practice_token(row.user_id)]


@feeds(QuestionNote)
def note_rows(note):
    # Shown on the practice card after the reveal, and on the member's own (private) cached page
    # of the question, which is stored under their member token: never another reader's.
    return [practice_token(note.user_id), member_token(note.user_id)]


@feeds(SessionItem)
def session_item_rows(item):
    # The card shows the answers once revealed; the session its progress.
    if SessionItem._meta.get_field("session").is_cached(item):
        return [practice_token(item.session.user_id)]
    user_ids = PracticeSession.objects.filter(pk=item.session_id).values_list(
        "user_id", flat=True
    )
    # None: the session is being deleted with it, and its own row replaces the token.
    return [practice_token(user_id) for user_id in user_ids]
