from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from questions.models import Question, Topic


def home(request):
    """The front page: what MLQA is, the topics, and the most recently active questions."""
    context = {
        "topics": Topic.objects.with_question_counts(),
        "recent_questions": Question.objects.published().with_list_data()[:10],
        "question_total": Question.objects.published().count(),
    }
    return render(request, "home.html", context)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: the failure may be in a context processor or the database.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def trivial(request):
    """A tiny page with no database query: the benchmark's ceiling for this app and server."""
    return render(request, "trivial.html")
