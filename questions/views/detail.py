from django.shortcuts import get_object_or_404, redirect, render

from ..models import Question


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
