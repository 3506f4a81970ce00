from django.db.models import (
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    SmallIntegerField,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject

from caching import BANK, cached_fragments, cached_page

from ..caching import answer_token, question_token
from ..forms import AnswerForm, CommentForm
from ..models import Comment, Question, QuestionFollow, RelatedQuestion, Vote
from ..structured_data import json_ld_script, qa_page
from .feedback_box import feedback_context

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
    if user.is_authenticated:
        my_votes = Vote.objects.filter(answer=OuterRef("pk"), user=user)
        mine = {
            "my_vote": Subquery(my_votes.values("value")[:1]),
            # Whether the card shows the reader's own comments (see _attach_cached_fragments).
            "has_my_comment": Exists(
                Comment.objects.filter(
                    answer=OuterRef("pk"), author=user, deleted_at__isnull=True
                )
            ),
        }
    else:
        mine = {"my_vote": Value(None, output_field=SmallIntegerField())}
    answers = list(
        question.answers.for_question_page(user)
        .annotate(**mine)
        .order_by(*ANSWER_ORDERS[order])
    )
    _attach_cached_fragments(user, question, answers)
    _attach_cached_question_body(user, question)
    # Comments only for the cards that are rendered: a cached card has them in its HTML.
    rendered = [a for a in answers if getattr(a, "cached_fragment", None) is None]
    if rendered:
        prefetch_related_objects(
            rendered,
            Prefetch(
                "comments",
                queryset=Comment.objects.visible_to(user)
                .select_related("author")
                .defer("body"),
                to_attr="visible_comments",
            ),
        )
    canonical = [a for a in answers if a.is_canonical]
    community = [a for a in answers if not a.is_canonical and not a.is_reference]
    references = [a for a in answers if not a.is_canonical and a.is_reference]
    context = {
        "question": question,
        "canonical_answers": canonical,
        "community_answers": community,
        "reference_answers": references,
        # What the lists count too: published community answers (reference answers have their
        # own labelled section; a member's own queued answer is shown but not yet counted).
        "community_answer_count": question.answer_count,
        "answer_order": order,
        # Lazy: read only when the template renders the question's text itself, not when that
        # comes from the cache (even building the querysets costs a millisecond).
        "question_comments": SimpleLazyObject(
            lambda: list(question.comments.visible_to(user).select_related("author"))
        ),
        "source_links": SimpleLazyObject(
            lambda: list(question.source_links.select_related("source"))
        ),
        # Lazy too: the page's head, rendered only when it is not served from the cache.
        "structured_data": SimpleLazyObject(
            lambda: json_ld_script(qa_page(request, question, answers))
        ),
        "related_questions": SimpleLazyObject(
            lambda: [
                link.related for link in RelatedQuestion.objects.shown_for(question.pk)
            ]
        ),
        "is_following": _is_following(user, question),
        "answer_form": AnswerForm(),
        "comment_form": CommentForm(),
        "already_answered": user.is_authenticated
        and any(a.author_id == user.pk for a in answers),
    }
    context.update(feedback_context(request, question))
    context.update(extra)
    return context


def _attach_cached_fragments(user, question, answers):
    """Let answer cards that look the same to every reader of one kind come from the cache
    (the {% cached_fragment %} in answer.html).

    Anonymous readers all see the same card. Members see the same card as every member who cast
    the same vote on it (the vote box shows it), except on their own answer or one they commented
    on (edit and delete links, their posts awaiting review): those cards are rendered for them.
    Moderators get every card rendered: it has their tools.
    """
    if not user.is_authenticated:
        variants = {answer.pk: "anonymous" for answer in answers}
    elif user.is_moderator:
        return
    else:
        variants = {
            answer.pk: f"member, vote {answer.my_vote}"
            for answer in answers
            if answer.author_id != user.pk and not answer.has_my_comment
        }
    # A card follows its own answer's token, not its question's: after a vote or a comment the
    # page renders that one card again, not twenty. The bank's covers re-imported references.
    found = cached_fragments(
        "answer-card", variants, lambda answer_id: [answer_token(answer_id), BANK]
    )
    for answer in answers:
        if answer.pk in found:
            answer.fragment_key, answer.cached_fragment = found[answer.pk]


def _attach_cached_question_body(user, question):
    """The question's text, sources and comment thread from the cache, on the same terms as
    the answer cards: not for its author (the edit link), a member who commented on it, or a
    moderator. Pages built without the `has_my_comment` annotation render it."""
    if not user.is_authenticated:
        variant = "anonymous"
    elif (
        user.is_moderator
        or question.author_id == user.pk
        or getattr(question, "has_my_comment", True)
    ):
        return
    else:
        variant = "member"
    found = cached_fragments(
        "question-body",
        {question.pk: variant},
        lambda question_id: [question_token(question_id)],
    )
    if question.pk in found:
        question.fragment_key, question.cached_fragment = found[question.pk]


def merged_target(pk):
    """The question a merged question went into; a 404 when `pk` is no merged question."""
    target = Question.objects.merge_target_of(pk)
    if target is None:
        raise Http404("No such question.")
    return target


# A member's page shows their votes, follow and own posts: theirs alone.
@cached_page(lambda request, pk, slug=None: [question_token(pk)], members="private")
def question_detail(request, pk, slug=None):
    """A question with its canonical, community and reference answers, comments and forms."""
    questions = (
        Question.objects.visible_to(request.user)
        .with_member_feedback(
            request.user
        )  # their mark, vote and rating: no query more
        # The author: for the page's JSON-LD; who closed it and what it duplicates: its notice.
        .select_related("topic", "author", "closed_by", "duplicate_of")
        .defer(
            "search_vector", "duplicate_of__search_vector", "duplicate_of__body_html"
        )
    )
    if request.user.is_authenticated:  # read with the question: fewer queries
        questions = questions.annotate(
            is_following=Exists(
                QuestionFollow.objects.filter(
                    user=request.user, question=OuterRef("pk")
                )
            ),
            has_my_comment=Exists(
                Comment.objects.filter(
                    question=OuterRef("pk"),
                    author=request.user,
                    deleted_at__isnull=True,
                )
            ),
            # Their private note (practice's; one per member and question): a join, no query.
            my_note_row=FilteredRelation(
                "member_notes", condition=Q(member_notes__user=request.user)
            ),
            my_note=F("my_note_row__body"),
        )
    question = questions.filter(pk=pk).first()
    if question is None or question.merged_into_id:
        # A merged question's address lives on as a permanent redirect to where it went.
        return redirect(merged_target(pk), permanent=True)
    if slug != question.slug:
        return redirect(question, permanent=True)
    return render(
        request,
        "questions/question_detail.html",
        question_page_context(request, question),
    )
