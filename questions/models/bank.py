from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from caching import reverse  # django.urls.reverse, each shape reversed once

from ..markdown import render_markdown


class Topic(models.Model):
    """One entry of the fixed vocabulary of ML interview topics."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.TextField()
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Order in lists and menus."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("questions:topic", kwargs={"slug": self.slug})


class Source(models.Model):
    """A seed document the question bank was imported from, for attribution."""

    slug = models.SlugField(max_length=60, unique=True)
    filename = models.CharField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["filename"]

    def __str__(self):
        return self.title


class Status(models.TextChoices):
    """Moderation state of a post (question proposal, answer, comment)."""

    PUBLISHED = "published", "Published"
    PENDING = "pending", "Awaiting review"
    HIDDEN = "hidden", "Hidden"
    REJECTED = "rejected", "Rejected"


# How long authors may bring back a post they deleted themselves (moderators restore any post,
# any time, from the moderation pages). A day covers a slip of the finger and second thoughts,
# and keeps "deleted" meaning deleted after that.
AUTHOR_RESTORE_WINDOW = timedelta(hours=24)


def author_may_restore(post, user, now=None) -> bool:
    """Whether `user` may bring back this deleted answer or comment: they wrote it, they deleted
    it themselves (not a moderator), less than AUTHOR_RESTORE_WINDOW ago."""
    return (
        user.is_authenticated
        and post.deleted_at is not None
        and post.author_id == user.pk
        and post.deleted_by_id == user.pk
        and (now or timezone.now()) - post.deleted_at <= AUTHOR_RESTORE_WINDOW
    )


class PostQuerySet(models.QuerySet):
    """Visibility of posts (answers, comments) that go through moderation and soft deletion."""

    def visible(self):
        """Posts anyone may read: published and not deleted."""
        return self.filter(deleted_at__isnull=True, status=Status.PUBLISHED)

    def visible_to(self, user):
        """What one reader sees: the public posts, plus their own awaiting review or hidden
        (marked as such); moderators see every post that is not deleted."""
        live = self.filter(deleted_at__isnull=True)
        if getattr(user, "is_moderator", False):
            return live
        if user.is_authenticated:
            return live.filter(
                models.Q(status=Status.PUBLISHED)
                | models.Q(author=user, status__in=[Status.PENDING, Status.HIDDEN])
            )
        return live.filter(status=Status.PUBLISHED)

    def restorable_by(self, user, now=None):
        """The member's own posts they deleted themselves within the restore window, newest first."""
        since = (now or timezone.now()) - AUTHOR_RESTORE_WINDOW
        return self.filter(
            author=user, deleted_by=user, deleted_at__gte=since
        ).order_by("-deleted_at")

    def removed(self):
        """Posts deleted, or hidden by moderators or flags: what moderators may restore."""
        return self.filter(
            models.Q(deleted_at__isnull=False) | models.Q(status=Status.HIDDEN)
        )


class QuestionStatus(models.TextChoices):
    """A question's states: a post's (Status), plus merged into another question, whose
    address then redirects there (the row stays, so old links, feeds and practice history
    still find their way)."""

    PUBLISHED = Status.PUBLISHED.value, Status.PUBLISHED.label
    PENDING = Status.PENDING.value, Status.PENDING.label
    HIDDEN = Status.HIDDEN.value, Status.HIDDEN.label
    REJECTED = Status.REJECTED.value, Status.REJECTED.label
    MERGED = "merged", "Merged into another question"
    # A member's own card, imported into their practice deck (practice.own_deck): never in the
    # bank, never a question page, for anyone (its owner practises it at /practice/deck/).
    PRIVATE = "private", "Private card"


class CloseReason(models.TextChoices):
    """Why a moderator closed a question (Stack Exchange's reasons): it takes no new answers."""

    DUPLICATE = "duplicate", "Duplicate"
    OFF_TOPIC = "off-topic", "Off-topic"
    UNCLEAR = "unclear", "Needs details or clarity"
    TOO_BROAD = "too-broad", "Needs more focus"
    OPINION = "opinion", "Opinion-based"


# What the closed banner says for each reason, after "Closed.".
CLOSE_EXPLANATIONS = {
    CloseReason.DUPLICATE: "This question has been asked before and already has an answer.",
    CloseReason.OFF_TOPIC: "This question is not about machine-learning interviews.",
    CloseReason.UNCLEAR: "This question needs details or clarity.",
    CloseReason.TOO_BROAD: "This question needs more focus: it asks several things at once.",
    CloseReason.OPINION: "This question is likely to be answered with opinions rather than facts.",
}


class Kind(models.TextChoices):
    QUESTION = "question", "Question"
    TOPIC = "topic", "Topic to explain"


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"
    UNRATED = "unrated", "Unrated"


# Sort key for "difficulty" ordering: unrated questions go last.
DIFFICULTY_RANK = {
    Difficulty.EASY: 1,
    Difficulty.MEDIUM: 2,
    Difficulty.HARD: 3,
    Difficulty.UNRATED: 4,
}


class QuestionQuerySet(models.QuerySet):
    def published(self):
        """Questions in the public bank (proposals join it once a moderator approves them)."""
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Published questions, plus a member's own proposals; moderators see everything but
        members' private cards (which are nobody's question page)."""
        questions = self.exclude(status=QuestionStatus.PRIVATE)
        if getattr(user, "is_moderator", False):
            return questions
        if user.is_authenticated:
            return questions.filter(
                models.Q(status=Status.PUBLISHED) | models.Q(author=user)
            )
        return self.published()

    def merge_target_of(self, pk):
        """The published question that question `pk` was merged into (merges are re-pointed:
        one hop), or None when `pk` is no merged question."""
        return self.published().filter(merged_questions__pk=pk).first()

    def with_member_feedback(self, user):
        """Annotated with what this member told of each question: my_useful, my_difficulty_rating
        and, when they marked it as asked in an interview, my_interview (its pk) with
        my_interview_role, my_interview_company and my_interview_year. Anonymous: nothing."""
        from .feedback import DifficultyRating, InterviewMark, UsefulVote

        if not user.is_authenticated:
            return self
        mine = {"question": models.OuterRef("pk"), "user": user}
        mark = InterviewMark.objects.filter(**mine)
        return self.annotate(
            my_useful=models.Exists(UsefulVote.objects.filter(**mine)),
            my_difficulty_rating=models.Subquery(
                DifficultyRating.objects.filter(**mine).values("difficulty")[:1]
            ),
            my_interview=models.Subquery(mark.values("pk")[:1]),
            my_interview_role=models.Subquery(mark.values("role")[:1]),
            my_interview_company=models.Subquery(mark.values("company")[:1]),
            my_interview_year=models.Subquery(mark.values("year")[:1]),
        )

    def with_list_data(self):
        """What a list row shows, fetched with the questions so a page costs one query.

        Not the search document: with every answer's words in it, it is most of a row's bytes."""
        return self.select_related("topic").defer("search_vector", "body_html")


_KEPT_ELSEWHERE = frozenset(
    {
        "search_vector",
        "interview_count",
        "useful_count",
        "difficulty_rating_count",
        "community_difficulty",
    }
)


class Question(models.Model):
    """An interview question (or a topic to explain), imported from seeds or proposed by a user."""

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=80, allow_unicode=False, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.QUESTION)
    difficulty = models.CharField(
        max_length=10, choices=Difficulty.choices, default=Difficulty.UNRATED
    )
    difficulty_rank = models.PositiveSmallIntegerField(
        default=DIFFICULTY_RANK[Difficulty.UNRATED], editable=False
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="questions")
    body = models.TextField(blank=True, help_text="Optional details, in Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    # Normalised title: the same question from several documents (case, hyphens, emoji) is one row.
    dedup_key = models.CharField(max_length=300, unique=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    status = models.CharField(
        max_length=10,
        choices=QuestionStatus.choices,
        default=Status.PUBLISHED,
        editable=False,
    )
    # Closed by a moderator (question_close): shown on the page and in lists, no new answers.
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # db_default: rows written by COPY (devtools' demo data) name only the columns they fill.
    close_reason = models.CharField(
        max_length=20,
        choices=CloseReason.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    close_note = models.CharField(
        max_length=300, blank=True, default="", db_default="", editable=False
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Merged into another question (question_merge): everything moved there, and this row
    # records the merge so its address answers with a permanent redirect.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="merged_questions",
        editable=False,
    )
    merged_at = models.DateTimeField(null=True, blank=True, editable=False)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    sources = models.ManyToManyField(
        Source, through="QuestionSource", related_name="questions"
    )
    # Denormalised counters, updated by the services that change them.
    answer_count = models.PositiveIntegerField(
        default=0, help_text="Published community answers."
    )
    has_reference_answer = models.BooleanField(default=False)
    # The best visible answer's score (None: no visible answer), for the "most votes" order: an
    # indexed column instead of a subquery per question. Kept by services.counters and votes.
    top_score = models.IntegerField(null=True, blank=True, editable=False)
    # What members told (models/feedback.py), kept by questions.services.feedback: how many were
    # asked it in an interview, found it useful, rated its difficulty, and the community's
    # difficulty (their median rating once COMMUNITY_DIFFICULTY_MIN_RATINGS rated it).
    interview_count = models.PositiveIntegerField(
        default=0, db_default=0, editable=False
    )
    useful_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    difficulty_rating_count = models.PositiveIntegerField(
        default=0, db_default=0, editable=False
    )
    community_difficulty = models.CharField(
        max_length=10,
        choices=Difficulty.choices,
        default=Difficulty.UNRATED,
        db_default=Difficulty.UNRATED,
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # PostgreSQL full-text document (title A, body B, answers C), kept by questions.search; unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True, close_reason="")
                | (models.Q(closed_at__isnull=False) & ~models.Q(close_reason="")),
                name="question_closed_with_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(duplicate_of__isnull=True)
                | models.Q(close_reason=CloseReason.DUPLICATE),
                name="question_duplicate_of_when_duplicate",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(merged_into__isnull=True)
                    & ~models.Q(status=QuestionStatus.MERGED)
                )
                | models.Q(merged_into__isnull=False, status=QuestionStatus.MERGED),
                name="question_merged_into_when_merged",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("pk"))
                & ~models.Q(duplicate_of=models.F("pk")),
                name="question_not_merged_into_itself",
            ),
        ]
        indexes = [
            models.Index(
                fields=["-last_activity_at", "-id"], name="question_activity_idx"
            ),
            models.Index(
                fields=["topic", "-last_activity_at"],
                name="question_topic_activity_idx",
            ),
            models.Index(
                fields=["difficulty_rank", "-id"], name="question_difficulty_idx"
            ),
            models.Index(fields=["-answer_count", "-id"], name="question_answers_idx"),
            models.Index(fields=["-interview_count", "-id"], name="question_asked_idx"),
            models.Index(fields=["-useful_count", "-id"], name="question_useful_idx"),
            # Practice draws a new question uniformly: it counts a member's unseen practisable
            # questions per topic, then takes one at a random offset in its topic. This index
            # holds only the practisable questions (published, with an answer to compare with),
            # by topic and key, so both read those and no other question.
            models.Index(
                fields=["topic", "id"],
                name="question_practisable_idx",
                condition=models.Q(status="published")
                & (models.Q(answer_count__gt=0) | models.Q(has_reference_answer=True)),
            ),
            # The moderation queue's proposals awaiting review, without reading the whole bank.
            # Partial: published questions must not look "indexed" by it (they are nearly all).
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="question_pending_idx",
            ),
            # question_top_score_idx (top_score DESC NULLS LAST, ...) is PostgreSQL-only: SQLite
            # can't index NULLS LAST. See migration 0004.
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.slug = slugify(self.title)[:80].strip("-") or "q"
        # The order and the difficulty filter follow the difficulty shown (the community's too).
        self.difficulty_rank = DIFFICULTY_RANK[self.shown_difficulty]
        self.body_html = render_markdown(self.body) if self.body else ""
        if not self._state.adding and kwargs.get("update_fields") is None:
            # search_vector belongs to questions.search (raw SQL), the members' totals to
            # services.feedback; a row loaded before they were refreshed must not write its
            # stale copy back.
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in _KEPT_ELSEWHERE
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(
            "questions:detail", kwargs={"pk": self.pk, "slug": self.slug or "q"}
        )

    @property
    def shown_difficulty(self) -> str:
        """The source's difficulty; for a question whose source gives none, the community's."""
        if self.difficulty != Difficulty.UNRATED:
            return self.difficulty
        return self.community_difficulty

    @property
    def difficulty_is_community(self) -> bool:
        return (
            self.difficulty == Difficulty.UNRATED
            and self.community_difficulty != Difficulty.UNRATED
        )

    def get_shown_difficulty_display(self) -> str:
        return Difficulty(self.shown_difficulty).label

    @property
    def prompt(self):
        """The title as a reader should take it: topics to explain say so."""
        if self.kind == Kind.TOPIC:
            return f"Explain: {self.title}"
        return self.title

    @property
    def is_closed(self):
        return self.closed_at is not None

    @property
    def accepts_answers(self):
        """Closed questions take no new answers (as on Stack Exchange); merged ones neither."""
        return self.closed_at is None and self.status != QuestionStatus.MERGED

    @property
    def close_explanation(self):
        return CLOSE_EXPLANATIONS.get(self.close_reason, "")

    @property
    def list_suffix(self):
        """What lists add after the title: "[duplicate]" or "[closed]", as Stack Exchange does."""
        if self.closed_at is None:
            return ""
        return (
            "[duplicate]" if self.close_reason == CloseReason.DUPLICATE else "[closed]"
        )

    @property
    def needs_answer(self):
        return self.answer_count == 0 and not self.has_reference_answer


class QuestionSource(models.Model):
    """Where a question appears in a seed document (1-based line of its title)."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="source_links"
    )
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="question_links"
    )
    line = models.PositiveIntegerField()

    class Meta:
        ordering = ["source__filename", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "line"], name="questionsource_unique_line"
            ),
        ]

    def __str__(self):
        return f"{self.source.filename}:{self.line}"


class RevisionQuerySet(models.QuerySet):
    def pending(self):
        """Edits awaiting a moderator (by authors who would still be queued)."""
        return self.filter(status=Status.PENDING)

    def shown_to(self, user, author_id):
        """The published revisions; an edit awaiting review, or rejected, only to its post's
        author and to moderators (its text was never shown to anyone else)."""
        if getattr(user, "is_moderator", False) or (
            user.is_authenticated and user.pk == author_id
        ):
            return self
        return self.filter(status=Status.PUBLISHED)


class Revision(models.Model):
    """One saved version of a post's text, numbered from 1 (the original); who saved it, when.

    An edit by an author whose posts still go to review is a *pending* revision: the post keeps
    showing its approved text until a moderator approves the edit (or rejects it)."""

    number = models.PositiveIntegerField()
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PUBLISHED, editable=False
    )

    objects = RevisionQuerySet.as_manager()

    class Meta:
        abstract = True


class QuestionRevision(Revision):
    """One saved version of a question's title and body."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="revisions"
    )
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)

    class Meta:
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "number"], name="questionrevision_unique_number"
            )
        ]

    def __str__(self):
        return f"Revision {self.number} of question {self.question_id}"
