from django.urls import path

from . import feeds
from .views import (
    answers,
    browse,
    comments,
    deleted,
    detail,
    download,
    feedback,
    history,
    notifications,
    proposals,
    votes,
)

app_name = "questions"

urlpatterns = [
    path("", browse.question_list, name="list"),
    path("topics/", browse.topic_index, name="topics"),
    path("download/", download.bank_download, name="download"),
    path("feed.rss", feeds.newest_rss, name="feed-rss"),
    path("feed.atom", feeds.newest_atom, name="feed-atom"),
    path("topics/<slug:slug>/", browse.topic_detail, name="topic"),
    path("topics/<slug:slug>/feed.rss", feeds.topic_rss, name="topic-feed-rss"),
    path("topics/<slug:slug>/feed.atom", feeds.topic_atom, name="topic-feed-atom"),
    path("propose/", proposals.question_propose_view, name="propose"),
    path("similar/", proposals.similar_questions_view, name="similar"),
    path("<int:pk>/edit/", proposals.question_edit_view, name="edit"),
    path("<int:pk>/", detail.question_detail, name="detail-short"),
    path("<int:pk>/answer/", answers.answer_create_view, name="answer-create"),
    path(
        "<int:pk>/comments/", comments.question_comment_create, name="question-comment"
    ),
    path("<int:pk>/follow/", notifications.question_follow, name="follow"),
    path("<int:pk>/history/", history.question_history, name="question-history"),
    path("<int:pk>/interview/", feedback.interview_mark_view, name="interview-mark"),
    path("<int:pk>/useful/", feedback.useful_vote_view, name="useful-vote"),
    path("<int:pk>/difficulty/", feedback.difficulty_rate_view, name="difficulty-rate"),
    # A slug has no dot: these can't be shadowed by, or shadow, a question's page.
    path("<int:pk>/answers.rss", feeds.answers_rss, name="answers-feed-rss"),
    path("<int:pk>/answers.atom", feeds.answers_atom, name="answers-feed-atom"),
    # After the <pk>/ actions, which a slug could otherwise shadow ("answer", "comments",
    # "follow", "history", "interview", "useful", "difficulty"); before the rest, as the site's most
    # read page.
    path("<int:pk>/<slug:slug>/", detail.question_detail, name="detail"),
    path("answers/preview/", answers.answer_preview, name="answer-preview"),
    path("answers/<int:pk>/edit/", answers.answer_edit_view, name="answer-edit"),
    path("answers/<int:pk>/delete/", answers.answer_delete_view, name="answer-delete"),
    path(
        "answers/<int:pk>/restore/", answers.answer_restore_view, name="answer-restore"
    ),
    path("answers/<int:pk>/history/", history.answer_history, name="answer-history"),
    path("answers/<int:pk>/vote/", votes.vote_answer, name="answer-vote"),
    path(
        "answers/<int:pk>/comments/",
        comments.answer_comment_create,
        name="answer-comment",
    ),
    path("comments/<int:pk>/edit/", comments.comment_edit_view, name="comment-edit"),
    path(
        "comments/<int:pk>/history/",
        history.comment_history,
        name="comment-history",
    ),
    path(
        "comments/<int:pk>/delete/", comments.comment_delete_view, name="comment-delete"
    ),
    path(
        "comments/<int:pk>/restore/",
        comments.comment_restore_view,
        name="comment-restore",
    ),
    path("deleted/", deleted.deleted_posts, name="deleted"),
]
