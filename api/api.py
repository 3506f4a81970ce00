"""MLQA's read-only JSON API (Django Ninja): the public question bank, topics and profiles, and,
with a personal access token, the member's own practice history and export.

Every operation is rate limited (accounts.ratelimit: per member with a token, else per address);
public answers are cached under the same tokens as the pages that show the same rows, so a write
shows in the API at once. The OpenAPI document is /api/v1/openapi.json; /api/v1/docs shows it."""

from functools import wraps

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import (
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Query, Schema
from ninja.errors import HttpError

from accounts.models import User
from accounts.ratelimit import rate_limit_exceeded
from accounts.site import absolute_url, site_url
from caching import BANK, LISTS, cached_value, member_token
from practice.exports import anki_package, csv_lines
from practice.models import Rating, Review
from questions.caching import question_token
from questions.counts import (
    CachedCountPaginator,
    list_count_depends_on,
    topics_with_counts,
)
from questions.filters import QuestionFilter
from questions.models import Answer, Difficulty, Question

from . import schemas
from .auth import PersonalAccessToken

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_PAGE = 10**6

api = NinjaAPI(
    title="MLQA API",
    version="1",
    description=(
        "Read-only access to MLQA's machine-learning interview questions, answers, topics and "
        "members' public profiles; with a personal access token (made in your settings), your "
        "own practice history and export. Rate limited per member or address."
    ),
    urls_namespace="api",
)
token = PersonalAccessToken()


def rate_limited(view):
    """429 once the caller (the token's member, else the address) is over the API's limit."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        auth = getattr(request, "auth", None)
        caller = (
            f"token:{auth.user_id}" if auth else f"ip:{request.META.get('REMOTE_ADDR')}"
        )
        if rate_limit_exceeded("api", caller):
            raise HttpError(
                429, "Too many requests: at most 1,000 an hour. Please wait."
            )
        return view(request, *args, **kwargs)

    return wrapper


def _cached(request, depends_on, compute):
    """A public answer, cached under the tokens of what it shows for as long as a page."""
    query = "&".join(sorted(request.GET.urlencode().split("&")))
    return cached_value(
        f"api:{request.path}?{query}",
        depends_on,
        compute,
        timeout=settings.PAGE_CACHE_SECONDS,
    )


def _check_paging(filters):
    """422 with a sentence for a page or page size out of range (Ninja already refuses non-numbers)."""
    if not 1 <= filters.page <= MAX_PAGE:
        raise HttpError(422, "page must be a whole number from 1 up.")
    if not 1 <= filters.page_size <= MAX_PAGE_SIZE:
        raise HttpError(
            422, f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}."
        )


def _page(request, paginator, number):
    try:
        page = paginator.page(number)
    except InvalidPage as error:
        raise HttpError(404, "No such page.") from error

    def link(n):
        query = request.GET.copy()
        query["page"] = n
        return absolute_url(request, f"{request.path}?{query.urlencode()}")

    return page, {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
    }


def _form_errors(errors) -> str:
    """The filters' errors as one sentence ("topic: Select a valid choice...")."""
    return "; ".join(
        f"{field}: {' '.join(messages)}" for field, messages in errors.items()
    )


def _summary(request, question) -> dict:
    return {
        "id": question.pk,
        "title": question.title,
        "prompt": question.prompt,
        "kind": question.kind,
        "difficulty": question.difficulty,
        "shown_difficulty": question.shown_difficulty,
        "community_difficulty": question.community_difficulty,
        "difficulty_rating_count": question.difficulty_rating_count,
        "interview_count": question.interview_count,
        "useful_count": question.useful_count,
        "topic": {"slug": question.topic.slug, "name": question.topic.name},
        "answer_count": question.answer_count,
        "has_reference_answer": question.has_reference_answer,
        "created_at": question.created_at,
        "last_activity_at": question.last_activity_at,
        "url": absolute_url(request, question.get_absolute_url()),
    }


class QuestionFilters(Schema):
    topic: str | None = None
    difficulty: Difficulty | None = None
    q: str | None = None
    page: int = 1
    page_size: int = PAGE_SIZE


@api.get("/questions", response=schemas.QuestionPage, tags=["questions"])
@rate_limited
def question_list(request, filters: Query[QuestionFilters]):
    """Published questions, most recently active first (by relevance when searching), 25 a page
    unless `page_size` asks for another number (1 to 100). `topic` is a topic's slug, `q`
    searches titles, details and answers."""
    _check_paging(filters)

    def compute():
        data = {
            key: value
            for key, value in filters.dict().items()
            if value is not None and key not in ("page", "page_size")
        }
        filterset = QuestionFilter(
            data, queryset=Question.objects.published().with_list_data()
        )
        if not filterset.is_valid():
            raise HttpError(422, _form_errors(filterset.errors))
        paginator = CachedCountPaginator(
            filterset.qs,
            filters.page_size,
            depends_on=list_count_depends_on(filterset),
            known_count=filterset.search_count,
        )
        page, result = _page(request, paginator, filters.page)
        result["results"] = [_summary(request, q) for q in page.object_list]
        return result

    return _cached(request, [LISTS, BANK], compute)


@api.get(
    "/questions/{int:question_id}",
    response={200: schemas.Question, 404: schemas.Error},
    tags=["questions"],
)
@rate_limited
def question_detail(request, question_id: int):
    """One published question with its published answers (canonical first, then by score)."""

    def compute():
        question = get_object_or_404(
            Question.objects.published().select_related("topic"), pk=question_id
        )
        answers = (
            Answer.objects.visible()
            .filter(question=question)
            .select_related("author", "source")
            .order_by("-is_canonical", "-score", "created_at")
        )
        page_url = absolute_url(request, question.get_absolute_url())
        return {
            **_summary(request, question),
            "body": question.body,
            "body_html": question.body_html,
            "answers": [_answer(request, page_url, a) for a in answers],
        }

    try:
        return _cached(request, [question_token(question_id)], compute)
    except Http404:
        # A question merged into another: its entry lives on as a permanent redirect.
        target = Question.objects.merge_target_of(question_id)
        if target is None:
            raise
        return HttpResponsePermanentRedirect(
            f"{request.path.rstrip('/').rsplit('/', 1)[0]}/{target.pk}"
        )


def _answer(request, page_url, answer) -> dict:
    author = None
    if answer.author is not None:
        author = {
            "username": answer.author.username,
            "name": answer.author.public_name,
            "url": absolute_url(request, answer.author.get_absolute_url()),
        }
    return {
        "id": answer.pk,
        "body_html": answer.body_html,
        "score": answer.score,
        "is_canonical": answer.is_canonical,
        "is_reference": answer.is_reference,
        "author": author,
        "source": answer.source.title if answer.source_id else None,
        "created_at": answer.created_at,
        "updated_at": answer.updated_at,
        "url": f"{page_url}#answer-{answer.pk}",
    }


@api.get("/topics", response=list[schemas.Topic], tags=["questions"])
@rate_limited
def topic_list(request):
    """Every topic with how many published questions it has."""

    def compute():
        return [
            {
                "slug": topic.slug,
                "name": topic.name,
                "description": topic.description,
                "question_count": topic.question_count,
                "url": absolute_url(request, topic.get_absolute_url()),
            }
            for topic in topics_with_counts()
        ]

    return _cached(request, [BANK], compute)


@api.get(
    "/members/{username}",
    response={200: schemas.Member, 404: schemas.Error},
    tags=["members"],
)
@rate_limited
def member_profile(request, username: str):
    """A member's public profile (never their e-mail address)."""
    member = get_object_or_404(User.objects.active(), username=username)

    def compute():
        return {
            "username": member.username,
            "name": member.public_name,
            "bio": member.bio,
            "reputation": member.reputation,
            "joined": member.date_joined,
            "answer_count": Answer.objects.visible().filter(author=member).count(),
            "url": absolute_url(request, member.get_absolute_url()),
        }

    # Their row, and their posts (which replace their token too).
    return _cached(request, [member_token(member.pk)], compute)


# --- the member's own, with a personal access token ------------------------------------------


class ReviewFilters(Schema):
    page: int = 1
    page_size: int = PAGE_SIZE


@api.get("/me/reviews", response=schemas.ReviewPage, auth=token, tags=["me"])
@rate_limited
def my_reviews(request, filters: Query[ReviewFilters]):
    """Your practice history, newest review first, 25 a page unless `page_size` asks for
    another number (1 to 100)."""
    _check_paging(filters)
    reviews = (
        Review.objects.counted()
        .filter(user_id=request.auth.user_id)
        .select_related("card__question__topic")
        .order_by("-reviewed_at", "-id")
    )
    page, result = _page(request, Paginator(reviews, filters.page_size), filters.page)
    result["results"] = [
        {
            "id": review.pk,
            "reviewed_at": review.reviewed_at,
            "question_id": review.card.question_id,
            "question": review.card.question.prompt,
            "topic": review.card.question.topic.name,
            "rating": review.rating,
            "rating_label": Rating(review.rating).label,
            "time_spent_seconds": review.duration_seconds,
            "predicted_recall": review.retrievability,
            "attempt": review.attempt,
        }
        for review in page.object_list
    ]
    return result


@api.get("/me/export.csv", auth=token, tags=["me"], response={200: None})
@rate_limited
def my_export_csv(request):
    """Your whole review history as CSV (the history page's export)."""
    response = StreamingHttpResponse(
        csv_lines(Review.objects.counted().filter(user_id=request.auth.user_id)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="mlqa-practice-history.csv"'
    return response


@api.get("/me/export.apkg", auth=token, tags=["me"], response={200: None})
@rate_limited
def my_export_anki(request):
    """Your deck as an Anki package (the progress page's export)."""
    response = HttpResponse(
        anki_package(request.auth.user, site_url=site_url(request)),
        content_type="application/octet-stream",
    )
    response["Content-Disposition"] = 'attachment; filename="mlqa-practice.apkg"'
    return response
