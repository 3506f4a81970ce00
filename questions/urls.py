from django.urls import path

from . import views

app_name = "questions"

urlpatterns = [
    path("", views.question_list, name="list"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("<int:pk>/", views.question_detail, name="detail-short"),
    path("<int:pk>/<slug:slug>/", views.question_detail, name="detail"),
]
