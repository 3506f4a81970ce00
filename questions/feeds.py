"""RSS and Atom feeds (Django's syndication framework): the newest questions, a topic's newest
questions, and one question's answers. Every link in them is absolute with the site's public
address (accounts.site), since a feed is read in another program.

The views are cached for visitors like the pages (feed readers have no session), under the
tokens of the pages that show the same rows, so a new question or answer is in them at once."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.feedgenerator import Atom1Feed

from accounts.site import absolute_url
from caching import LISTS, cached_page

from .caching import question_token
from .models import Answer, Question, Topic

FEED_SIZE = 30


class SiteFeed(Feed):
    """A feed made for one request, so its links can use that request's address (a Feed
    instance is otherwise shared by every thread)."""

    def __init__(self, request):
        super().__init__()
        self.request = request

    def absolute(self, path):
        return absolute_url(self.request, path)

    def feed_url(self, obj):
        return self.absolute(self.request.path)

    def item_link(self, item):
        return self.absolute(item.get_absolute_url())

    def item_guid(self, item):
        return self.item_link(item)


class NewestQuestionsFeed(SiteFeed):
    title = "MLQA: newest questions"
    description = "Machine-learning interview questions, newest first."

    def link(self):
        return self.absolute("/questions/")

    def items(self):
        # Newest by id (the primary key's index), not by date: no sort over the whole bank.
        return Question.objects.published().with_list_data().order_by("-id")[:FEED_SIZE]

    def item_title(self, question):
        return question.prompt

    def item_description(self, question):
        return f"{question.topic.name} · {question.get_difficulty_display()}"

    def item_pubdate(self, question):
        return question.created_at

    def item_categories(self, question):
        return [question.topic.name]


class TopicQuestionsFeed(NewestQuestionsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def title(self, topic):
        return f"MLQA: newest questions in {topic.name}"

    def description(self, topic):
        return topic.description

    def link(self, topic):
        return self.absolute(topic.get_absolute_url())

    def items(self, topic):
        return topic.questions.published().with_list_data().order_by("-id")[:FEED_SIZE]


class QuestionAnswersFeed(SiteFeed):
    """A published question's published answers (community and reference), newest first."""

    def get_object(self, request, pk):
        return get_object_or_404(Question.objects.published(), pk=pk)

    def title(self, question):
        return f"MLQA: answers to “{question.prompt}”"

    def description(self, question):
        return f"Answers to an interview question on {question.topic.name}."

    def link(self, question):
        return self.absolute(question.get_absolute_url())

    def items(self, question):
        return (
            Answer.objects.visible()
            .filter(question=question)
            .select_related("author", "source")
            .defer("body")
            .order_by("-created_at", "-id")[:FEED_SIZE]
        )

    def item_title(self, answer):
        return f"Answer by {self.item_author_name(answer)}"

    def item_description(self, answer):
        return answer.body_html  # rendered from Markdown and sanitized on save

    def item_link(self, answer):
        # The question's own address (not a query), with the answer's anchor.
        return self.absolute(self._question.get_absolute_url()) + f"#answer-{answer.pk}"

    def item_author_name(self, answer):
        if answer.source_id:
            return answer.source.title
        return answer.author.public_name if answer.author else "a former member"

    def item_pubdate(self, answer):
        return answer.created_at

    def item_updateddate(self, answer):
        return answer.updated_at

    def get_feed(self, question, request):
        self._question = question
        return super().get_feed(question, request)


class AtomMixin:
    feed_type = Atom1Feed

    def subtitle(self, obj=None):
        return self._get_dynamic_attr("description", obj)


class NewestQuestionsAtom(AtomMixin, NewestQuestionsFeed):
    pass


class TopicQuestionsAtom(AtomMixin, TopicQuestionsFeed):
    pass


class QuestionAnswersAtom(AtomMixin, QuestionAnswersFeed):
    pass


# Members get them rendered (members=None): readers of feeds don't sign in.
@cached_page([LISTS], members=None)
def newest_rss(request):
    return NewestQuestionsFeed(request)(request)


@cached_page([LISTS], members=None)
def newest_atom(request):
    return NewestQuestionsAtom(request)(request)


@cached_page([LISTS], members=None)
def topic_rss(request, slug):
    return TopicQuestionsFeed(request)(request, slug=slug)


@cached_page([LISTS], members=None)
def topic_atom(request, slug):
    return TopicQuestionsAtom(request)(request, slug=slug)


def _answers_depend_on(request, pk):
    return [question_token(pk)]


def _answers_feed(feed, request, pk, name):
    """A question's answers feed; a merged question's feed redirects to its target's."""
    try:
        return feed(request)(request, pk=pk)
    except Http404:
        target = Question.objects.merge_target_of(pk)
        if target is None:
            raise
        return redirect(f"questions:{name}", pk=target.pk, permanent=True)


@cached_page(_answers_depend_on, members=None)
def answers_rss(request, pk):
    return _answers_feed(QuestionAnswersFeed, request, pk, "answers-feed-rss")


@cached_page(_answers_depend_on, members=None)
def answers_atom(request, pk):
    return _answers_feed(QuestionAnswersAtom, request, pk, "answers-feed-atom")
