from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from ..models import Question, Topic

PAGE_SIZE = 25


def question_list(request):
    """Every question in the bank, most recently active first."""
    page = Paginator(Question.objects.with_list_data(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "questions/question_list.html", {"page": page})


def topic_detail(request, slug):
    """One topic: its description and its questions."""
    topic = get_object_or_404(Topic, slug=slug)
    page = Paginator(topic.questions.with_list_data(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "questions/topic_detail.html", {"topic": topic, "page": page})
