from django.urls import path

from .views import browse, detail

app_name = "questions"

urlpatterns = [
    path("", browse.question_list, name="list"),
    path("topics/<slug:slug>/", browse.topic_detail, name="topic"),
    path("<int:pk>/", detail.question_detail, name="detail-short"),
    path("<int:pk>/<slug:slug>/", detail.question_detail, name="detail"),
]
