"""What questions' rows feed: the tokens of the cached pages, fragments and values that show them
(caching/), and the search document that follows them. Read this file to know what a write to a
question, answer, comment, vote, topic, follow or notification leaves current.

Tokens named here (a member's interview mark, useful vote and difficulty rating feed their
question's page and the lists):
- `question:<pk>`: one question's page (its text, answers, comments, votes, canonical mark,
  and its related questions' titles);
- `answer:<pk>`: one answer's card on that page (replaced with its question's token);
- `notifications:<pk>`: one member's unread-notification count (in every page's header);
- the layer's `lists` (question lists, the home page, searches), `bank` (which questions are
  published, their topic and difficulty: cached counts and menus), `site` and `member:<pk>`.

Two things are left to the lifetime of cached pages (PAGE_CACHE_SECONDS), so that a stream of
votes doesn't empty the cache of every list: the vote figures in list rows (and the "most
votes" order), which votes don't replace `lists` for, and the reputation beside a name in any
card but the one voted on. Comments don't show on lists at all.
"""

from django.contrib.auth import get_user_model

from caching import BANK, LISTS, SITE, feeds, keeps, member_token, member_value

from .models import (
    Answer,
    Comment,
    DifficultyRating,
    InterviewMark,
    Notification,
    Question,
    QuestionFollow,
    QuestionSource,
    RelatedQuestion,
    Source,
    Status,
    Topic,
    UsefulVote,
    Vote,
)
from .search import search_index_update


def question_token(question_id) -> str:
    return f"question:{int(question_id)}"


def answer_token(answer_id) -> str:
    return f"answer:{int(answer_id)}"


def notifications_token(user_id) -> str:
    return f"notifications:{int(user_id)}"


def _author(post) -> list:
    # Their own page of the question shows their posts awaiting review; their header, the count
    # of approved posts.
    return [member_token(post.author_id)] if post.author_id else []


@feeds(Question)
def question_rows(question):
    # Its page (and its proposer's "awaiting review"); while it is published, the lists and
    # counts show it too (an edit, in the admin too).
    published = question.status == Status.PUBLISHED
    return [
        question_token(question.pk),
        *_author(question),
        *([LISTS, BANK] * published),
    ]


@feeds(Question, fields=("status",))
def question_status(question):
    # Approved, hidden or rejected: it joins or leaves the lists and counts. (A new proposal
    # waiting for review changes nothing they show.)
    return [] if question.status == Status.PENDING else [LISTS, BANK]


@keeps(Question, fields=("title", "body", "status"))
def question_search_documents(questions):
    # A question deleted inside a batch (the importer) has lost its pk by the batch's end, and
    # has no document left to keep.
    search_index_update([q.pk for q in questions if q.pk is not None])


@feeds(Answer)
def answer_rows(answer):
    # Lists show answer counts, activity and canonical marks.
    return [
        question_token(answer.question_id),
        answer_token(answer.pk),
        LISTS,
        *_author(answer),
    ]


@keeps(Answer, fields=("body", "status", "deleted_at"))
def answer_search_documents(answers):
    search_index_update(sorted({answer.question_id for answer in answers}))


def _answer_of(row):
    """The answer a comment or vote is on, or None when it was deleted first (a question deleted
    in the admin takes its answers and their comments and votes with it: the answer's own
    declaration then named the question's token)."""
    try:
        return row.answer
    except Answer.DoesNotExist:
        return None


@feeds(Comment)
def comment_rows(comment):
    if comment.answer_id is not None:
        answer = _answer_of(comment)
        on = [
            answer_token(comment.answer_id),
            *([question_token(answer.question_id)] if answer else []),
        ]
    else:
        on = [question_token(comment.question_id)]
    return [*on, *_author(comment)]


@feeds(Vote)
def vote_rows(vote):
    # The answer's score and its author's reputation change with it (not the lists: see above).
    answer = _answer_of(vote)
    if answer is None:
        return [answer_token(vote.answer_id)]
    return [
        question_token(answer.question_id),
        answer_token(answer.pk),
        *([member_token(answer.author_id)] if answer.author_id else []),
    ]


@feeds(Topic)
@feeds(Source)
def bank_wide_rows(row):
    # Topic names and sources show on every list, filter menu and question page.
    return [SITE, LISTS, BANK]


@feeds(QuestionSource)
def question_source_rows(link):
    return [question_token(link.question_id)]


@feeds(RelatedQuestion)
def related_rows(link):
    # A question's page lists its related questions (rebuilt by questions.services.related).
    return [question_token(link.question_id)]


# "topic" as saved by name (update_fields), "topic_id" as compared with the old values.
@feeds(Question, fields=("title", "status", "kind", "topic", "topic_id"))
def related_listings(question):
    """Its title (and "Explain:" for a topic) and topic show in other questions' related lists,
    and only while it is published: those pages change with it."""
    listing = RelatedQuestion.objects.filter(related_id=question.pk).values_list(
        "question_id", flat=True
    )
    return [question_token(pk) for pk in listing]


@feeds(Question, fields=("title", "kind", "slug"))
def duplicate_notices(question):
    """Questions closed as duplicates of it name and link it in their closed notice."""
    closed = Question.objects.filter(duplicate_of=question.pk).values_list(
        "pk", flat=True
    )
    return [question_token(pk) for pk in closed]


@feeds(InterviewMark)
@feeds(UsefulVote)
@feeds(DifficultyRating)
def member_feedback_rows(row):
    """The question's page shows the totals (and to its member their own mark, vote and
    rating); lists show the totals and sort and filter by them, the difficulty filter's counts
    included (counts.list_count_depends_on). The totals on the question's row are written with
    these rows, without a signal (services.feedback)."""
    return [question_token(row.question_id), LISTS]


@feeds(QuestionFollow)
def follow_rows(follow):
    # The follow button is on the member's own page of the question.
    return [member_token(follow.user_id)]


@feeds(Notification)
def notification_rows(notification):
    return [notifications_token(notification.recipient_id)]


@feeds(get_user_model(), fields=("display_name", "username", "deleted_at"))
def member_name(member):
    """A new display name (or a deleted account) shows on every page where they posted: those
    questions' pages and those answers' cards, and nothing else (list rows show no names)."""
    questions = set(Question.objects.filter(author=member).values_list("pk", flat=True))
    answers = dict(
        Answer.objects.filter(author=member).values_list("pk", "question_id")
    )
    for answer_id, question_id, on_question in Comment.objects.filter(
        author=member
    ).values_list("answer_id", "answer__question_id", "question_id"):
        if answer_id is not None:
            answers[answer_id] = question_id
        else:
            questions.add(on_question)
    questions |= set(answers.values())
    return [
        *(question_token(pk) for pk in questions),
        *(answer_token(pk) for pk in answers),
    ]


@member_value(
    "unread_notification_count",
    depends_on=lambda user_id: [notifications_token(user_id)],
)
def unread_notification_count(user_id) -> int:
    """A member's unread notifications (in the header of every page they read)."""
    return Notification.objects.filter(recipient_id=user_id).unread().count()
