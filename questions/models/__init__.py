from .answers import (
    ANSWER_MAX_LENGTH,
    ANSWER_MIN_LENGTH,
    Answer,
    AnswerQuerySet,
    AnswerRevision,
    Vote,
)
from .bank import (
    DIFFICULTY_RANK,
    Difficulty,
    Kind,
    Question,
    QuestionQuerySet,
    QuestionRevision,
    QuestionSource,
    Source,
    Status,
    Topic,
)
from .comments import (
    COMMENT_EDIT_WINDOW,
    COMMENT_MAX_LENGTH,
    COMMENT_MIN_LENGTH,
    Comment,
    CommentRevision,
)
from .notifications import Notification, QuestionFollow
from .related import (
    RELATED_KEPT,
    RELATED_SHOWN,
    RelatedQuestion,
    RelatedQuestionQuerySet,
)

__all__ = [
    "ANSWER_MAX_LENGTH",
    "ANSWER_MIN_LENGTH",
    "COMMENT_EDIT_WINDOW",
    "COMMENT_MAX_LENGTH",
    "COMMENT_MIN_LENGTH",
    "DIFFICULTY_RANK",
    "RELATED_KEPT",
    "RELATED_SHOWN",
    "Answer",
    "AnswerQuerySet",
    "AnswerRevision",
    "Comment",
    "Difficulty",
    "Kind",
    "Notification",
    "Question",
    "QuestionFollow",
    "QuestionQuerySet",
    "QuestionRevision",
    "CommentRevision",
    "QuestionSource",
    "RelatedQuestion",
    "RelatedQuestionQuerySet",
    "Source",
    "Status",
    "Topic",
    "Vote",
]
