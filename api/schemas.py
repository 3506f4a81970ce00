"""What the API returns: typed, and described in the OpenAPI document Ninja generates."""

from datetime import datetime

from ninja import Schema


class TopicRef(Schema):
    slug: str
    name: str


class Topic(TopicRef):
    description: str
    question_count: int
    url: str


class QuestionSummary(Schema):
    id: int
    title: str
    prompt: str
    kind: str
    difficulty: str  # the source's
    # The difficulty shown: the source's, else the community's (members' median rating, once
    # COMMUNITY_DIFFICULTY_MIN_RATINGS rated it); members' totals, never who said what.
    shown_difficulty: str
    community_difficulty: str
    difficulty_rating_count: int
    interview_count: int
    useful_count: int
    topic: TopicRef
    answer_count: int
    has_reference_answer: bool
    created_at: datetime
    last_activity_at: datetime
    url: str


class QuestionPage(Schema):
    count: int
    page: int
    pages: int
    next: str | None
    previous: str | None
    results: list[QuestionSummary]


class Author(Schema):
    username: str | None
    name: str
    url: str | None


class Answer(Schema):
    id: int
    body_html: str
    score: int
    is_canonical: bool
    is_reference: bool
    author: Author | None
    source: str | None
    created_at: datetime
    updated_at: datetime
    url: str


class Question(QuestionSummary):
    body: str
    body_html: str
    answers: list[Answer]


class Member(Schema):
    username: str
    name: str
    bio: str
    reputation: int
    joined: datetime
    answer_count: int
    url: str


class Review(Schema):
    id: int
    reviewed_at: datetime
    question_id: int
    question: str
    topic: str
    rating: int
    rating_label: str
    time_spent_seconds: float | None
    predicted_recall: float | None
    attempt: str


class ReviewPage(Schema):
    count: int
    page: int
    pages: int
    next: str | None
    previous: str | None
    results: list[Review]


class Error(Schema):
    detail: str | list | dict
