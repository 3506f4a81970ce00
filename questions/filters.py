"""The question list's filters, search and sort orders, all read from the query string."""

import re
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, TextChoices

from .counts import filter_options
from .models import (
    DIFFICULTY_RANK,
    Answer,
    Difficulty,
    InterviewMark,
    InterviewRole,
    Kind,
    Question,
    QuestionSource,
    Source,
    Topic,
)
from .search import MAX_QUERY_LENGTH, clean_query, search_questions

_SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,80}")


class Status(TextChoices):
    NEEDS_ANSWER = "needs-answer", "Needs an answer"
    ANSWERED = "answered", "Answered"
    CANONICAL = "canonical", "Has a canonical answer"


class Sort(TextChoices):
    ACTIVITY = "activity", "Recent activity"
    VOTES = "votes", "Top answer score"  # questions have no votes: their best answer's
    ANSWERS = "answers", "Most answers"
    DIFFICULTY = "difficulty", "Difficulty, easy first"
    ASKED = "asked", "Most asked in interviews"
    USEFUL = "useful", "Most useful"
    RELEVANCE = "relevance", "Relevance"  # when searching; otherwise recent activity


# Each order is the column list of a Question index, so a page is an index scan.
ORDERINGS = {
    Sort.ACTIVITY: ("-last_activity_at", "-id"),
    Sort.ANSWERS: ("-answer_count", "-id"),
    # The best answer's score, denormalised on the question (question_top_score_idx).
    Sort.VOTES: (F("top_score").desc(nulls_last=True), "-last_activity_at", "-id"),
    # The difficulty shown: the source's, else the community's (Question.save, services.feedback).
    Sort.DIFFICULTY: ("difficulty_rank", "-id"),
    Sort.ASKED: ("-interview_count", "-id"),
    Sort.USEFUL: ("-useful_count", "-id"),
}

ASKED_ANY = "yes"
# "Asked in an interview", then "Asked of an ML engineer", ... (a mark's role).
ASKED_CHOICES = [
    (ASKED_ANY, "Asked in an interview"),
    *((role.value, f"Asked of: {role.label}") for role in InterviewRole),
]


class SearchQueryField(forms.CharField):
    """Free text that is cleaned rather than refused: NUL bytes dropped, cut to MAX_QUERY_LENGTH."""

    def to_python(self, value):
        return clean_query(super().to_python(value))


class SearchFilter(django_filters.CharFilter):
    field_class = SearchQueryField


class SlugChoiceField(django_filters.fields.ModelChoiceField):
    """A choice of object by slug; anything that cannot be a slug is refused without a query."""

    def to_python(self, value):
        if value not in self.empty_values and not _SLUG_RE.fullmatch(str(value)):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class SlugChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = SlugChoiceField


class QuestionFilter(django_filters.FilterSet):
    """Filters, search and sort for a list of questions. Pass `fixed_topic` on a topic's page."""

    q = SearchFilter(
        label="Search",
        method="applied_later",
        widget=forms.SearchInput(
            attrs={"maxlength": MAX_QUERY_LENGTH, "placeholder": "Words, or “a phrase”"}
        ),
    )
    topic = SlugChoiceFilter(
        queryset=Topic.objects.all(), to_field_name="slug", empty_label="Any topic"
    )
    difficulty = django_filters.ChoiceFilter(
        choices=Difficulty.choices,
        method="filter_difficulty",
        empty_label="Any difficulty",
    )
    asked = django_filters.ChoiceFilter(
        label="Interviews",
        choices=ASKED_CHOICES,
        method="filter_asked",
        empty_label="Asked or not",
    )
    kind = django_filters.ChoiceFilter(
        label="Type", choices=Kind.choices, empty_label="Questions and topics"
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=Status.choices,
        method="filter_status",
        empty_label="Any status",
    )
    source = SlugChoiceFilter(
        label="Source document",
        queryset=Source.objects.all(),
        to_field_name="slug",
        method="filter_source",
        empty_label="Any source",
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by", choices=Sort.choices, method="applied_later", empty_label=None
    )

    class Meta:
        model = Question
        fields = []

    def __init__(self, data=None, *args, fixed_topic=None, **kwargs):
        self.original_data = data if data is not None else {}
        self.search_count = None  # set by a search: how many questions matched
        if data is not None and not data.get("sort"):
            # The select shows the order actually used: relevance when searching, else activity.
            data = data.copy()
            data["sort"] = (
                Sort.RELEVANCE if clean_query(data.get("q")) else Sort.ACTIVITY
            )
        super().__init__(data, *args, **kwargs)
        if fixed_topic is not None:
            del self.filters["topic"]

    def applied_later(self, queryset, name, value):
        return queryset  # search and sort need each other: see filter_queryset

    def filter_status(self, queryset, name, value):
        if value == Status.NEEDS_ANSWER:
            return queryset.filter(answer_count=0, has_reference_answer=False)
        if value == Status.ANSWERED:
            return queryset.exclude(answer_count=0, has_reference_answer=False)
        canonical = Answer.objects.visible().filter(
            question=OuterRef("pk"), is_canonical=True
        )
        return queryset.filter(Exists(canonical))

    def filter_difficulty(self, queryset, name, value):
        # The difficulty shown, whose rank is kept on the row (the source's, else the
        # community's); one rank per difficulty.
        return queryset.filter(difficulty_rank=DIFFICULTY_RANK[value])

    def filter_asked(self, queryset, name, value):
        if value == ASKED_ANY:
            return queryset.filter(interview_count__gt=0)
        return queryset.filter(
            Exists(InterviewMark.objects.filter(question=OuterRef("pk"), role=value))
        )

    def filter_source(self, queryset, name, value):
        # Exists, not a join: a question may appear on several lines of one document.
        return queryset.filter(
            Exists(QuestionSource.objects.filter(question=OuterRef("pk"), source=value))
        )

    @property
    def search_text(self):
        """The cleaned search query, or "" when not searching."""
        if not self.is_bound:
            return ""
        self.form.is_valid()  # cleans every field; an invalid filter elsewhere keeps the query
        return self.form.cleaned_data.get("q", "")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        query = data.get("q", "")
        if query:
            queryset, self.search_count = search_questions(queryset, query)
        sort = data.get("sort") or Sort.ACTIVITY
        if sort == Sort.RELEVANCE and query:
            return queryset.order_by("-search_rank", "-last_activity_at", "-id")
        return queryset.order_by(*ORDERINGS.get(sort, ORDERINGS[Sort.ACTIVITY]))

    def controls(self):
        """Each control of the form with its options: (bound field, None) for the search box,
        (bound field, [(value, label, selected), ...]) for a <select>.

        The template writes the <select>s itself: Django's widgets render every <option> through
        a template (about 10 ms for this form), and the topic and source lists come from the
        cache rather than two queries.
        """
        controls = []
        for field in self.form:
            if field.name == "q":
                controls.append((field, None))
                continue
            current = field.value()
            current = "" if current is None else str(current)
            controls.append(
                (
                    field,
                    [
                        (value, label, str(value) == current)
                        for value, label in self._choices(field.name)
                    ],
                )
            )
        return controls

    def _choices(self, name):
        if name in ("topic", "source"):
            model, label = (Topic, "name") if name == "topic" else (Source, "title")
            options = filter_options(model, label)
            return [("", self.filters[name].extra["empty_label"]), *options]
        return list(self.form.fields[name].choices)

    def filters_on_answers(self) -> bool:
        """Whether the list is filtered by what its questions' answers or members' marks and
        ratings are (answered, canonical, asked in interviews, a community difficulty): its
        count changes with more than which questions are in the bank."""
        data = self.form.cleaned_data
        return bool(data.get("status") or data.get("asked") or data.get("difficulty"))

    def chosen(self):
        """The valid, non-empty values the visitor chose (a default sort is not a choice), as strings."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        chosen = {}
        for name in self.form.fields:
            value = (
                self.form.cleaned_data["q"]
                if name == "q"
                else self.original_data.get(name)
            )
            if value and name not in self.form.errors:
                chosen[name] = value
        return chosen

    def is_filtered(self):
        """Whether anything narrows the list (sorting does not)."""
        return any(name != "sort" for name in self.chosen())

    def menu_choice_count(self) -> int:
        """How many of the menus (topic, difficulty, ...) narrow the list: not the words searched
        for, which the header's search box shows, nor the sort order."""
        return sum(1 for name in self.chosen() if name not in ("q", "sort"))

    def query_string(self):
        """The chosen filters, URL-encoded: page links keep them."""
        return urlencode(self.chosen())
