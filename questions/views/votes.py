from http import HTTPStatus

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.permissions import member_can_post_required, refuse
from accounts.ratelimit import rate_limited

from ..models import Question
from ..services.votes import VoteRefused, vote_cast

VOTE_VALUES = {"1": 1, "-1": -1}


def _refusal(request, refused: VoteRefused):
    # Without JavaScript a missing answer is the site's ordinary 404 page; htmx gets the message
    # in the page's message area (refuse() retargets it) instead of a whole page inside the box.
    if refused.status == HTTPStatus.NOT_FOUND and not request.htmx:
        raise Http404(refused.message)
    return refuse(request, refused.message, refused.status)


@require_POST
@member_can_post_required
@rate_limited("vote")
def vote_answer(request, pk):
    """Members with a verified e-mail vote an answer up or down, or undo or switch their vote."""
    try:
        value = VOTE_VALUES.get(request.POST.get("value"))
        if value is None:
            raise VoteRefused(
                "Choose an upvote (1) or a downvote (-1).", HTTPStatus.BAD_REQUEST
            )
        result = vote_cast(user=request.user, answer=pk, value=value)
    except VoteRefused as refused:
        return _refusal(request, refused)
    if request.htmx:
        # The result has what the box shows (pk, author_id, score, my_vote): no query to render it.
        return render(
            request, "questions/includes/vote_box.html#vote-box", {"answer": result}
        )
    question = Question.objects.only("slug").get(pk=result.question_id)
    return HttpResponseRedirect(
        f"{question.get_absolute_url()}#answer-{result.answer_id}",
        status=HTTPStatus.SEE_OTHER,
    )
