from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("act/", views.act, name="act"),
    path("log/", views.audit_log, name="log"),
    path("members/<str:username>/", views.member, name="member"),
    path(
        "members/<str:username>/suspend/", views.member_suspend, name="member-suspend"
    ),
    path(
        "members/<str:username>/unsuspend/",
        views.member_unsuspend,
        name="member-unsuspend",
    ),
    path("members/<str:username>/purge/", views.member_purge, name="member-purge"),
    path("answers/<int:pk>/canonical/", views.canonical, name="canonical"),
    path("answers/<int:pk>/rollback/", views.rollback, name="rollback"),
    path("questions/<int:pk>/close/", views.question_close, name="question-close"),
    path("questions/<int:pk>/reopen/", views.question_reopen, name="question-reopen"),
    path("questions/<int:pk>/merge/", views.question_merge, name="question-merge"),
    path(
        "questions/<int:pk>/rollback/",
        views.question_rollback,
        name="question-rollback",
    ),
    path(
        "comments/<int:pk>/rollback/", views.comment_rollback, name="comment-rollback"
    ),
    path("flag/<str:kind>/<int:pk>/", views.flag, name="flag"),
    path("removed/", views.removed, name="removed"),
    path("restore/<str:kind>/<int:pk>/", views.restore, name="restore"),
]
