from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from .models import Question, Topic

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


def question_detail(request, pk, slug=None):
    """A question with its reference answers from the seed sources and community answers."""
    question = get_object_or_404(Question.objects.select_related("topic"), pk=pk)
    if slug != question.slug:
        return redirect(question, permanent=True)
    answers = question.answers.visible().select_related("author", "source")
    source_links = question.source_links.select_related("source")
    return render(
        request,
        "questions/question_detail.html",
        {"question": question, "answers": answers, "source_links": source_links},
    )
