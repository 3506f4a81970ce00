from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    SmallIntegerField,
    Subquery,
    Value,
)
from django.shortcuts import get_object_or_404, redirect, render

from mlqa import pagecache

from ..forms import AnswerForm, CommentForm
from ..models import Comment, Question, QuestionFollow, Vote

ANSWER_ORDERS = {
    "score": ["-is_canonical", "-score", "created_at"],
    "newest": ["-is_canonical", "-created_at"],
}


def _is_following(user, question):
    if not user.is_authenticated:
        return False
    if hasattr(question, "is_following"):
        return question.is_following
    return QuestionFollow.objects.filter(user=user, question=question).exists()


def question_page_context(request, question, **extra):
    """Everything the question page shows, in a fixed number of queries whatever the counts."""
    user = request.user
    order = (
        request.GET.get("answers")
        if request.GET.get("answers") in ANSWER_ORDERS
        else "score"
    )
    my_vote = (
        Subquery(
            Vote.objects.filter(answer=OuterRef("pk"), user=user).values("value")[:1]
        )
        if user.is_authenticated
        else Value(None, output_field=SmallIntegerField())
    )
    answers = list(
        question.answers.for_question_page(user)
        .annotate(my_vote=my_vote)
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=Comment.objects.visible_to(user).select_related("author"),
                to_attr="visible_comments",
            )
        )
        .order_by(*ANSWER_ORDERS[order])
    )
    canonical = [a for a in answers if a.is_canonical]
    community = [a for a in answers if not a.is_canonical and not a.is_reference]
    references = [a for a in answers if not a.is_canonical and a.is_reference]
    context = {
        "question": question,
        "canonical_answers": canonical,
        "community_answers": community,
        "reference_answers": references,
        "answer_total": len(answers),
        "answer_order": order,
        "question_comments": question.comments.visible_to(user).select_related(
            "author"
        ),
        "source_links": question.source_links.select_related("source"),
        "is_following": _is_following(user, question),
        "answer_form": AnswerForm(),
        "comment_form": CommentForm(),
        "already_answered": user.is_authenticated
        and any(a.author_id == user.pk for a in answers),
    }
    context.update(extra)
    return context


@pagecache.anonymous_page_cache(
    lambda request, pk, slug=None: [pagecache.question_key(pk)]
)
def question_detail(request, pk, slug=None):
    """A question with its canonical, community and reference answers, comments and forms."""
    questions = (
        Question.objects.visible_to(request.user)
        .select_related("topic")
        .defer("search_vector")
    )
    if request.user.is_authenticated:  # read with the question: one query fewer
        questions = questions.annotate(
            is_following=Exists(
                QuestionFollow.objects.filter(
                    user=request.user, question=OuterRef("pk")
                )
            )
        )
    question = get_object_or_404(questions, pk=pk)
    if slug != question.slug:
        return redirect(question, permanent=True)
    return render(
        request,
        "questions/question_detail.html",
        question_page_context(request, question),
    )
