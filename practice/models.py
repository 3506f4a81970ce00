"""One user's private practice data: FSRS cards, the append-only review log, sessions, settings.

Everything here belongs to exactly one user and is never shown to anyone else; views look rows up
with `user=request.user` in the query, so another user's pk is a 404.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from fsrs.scheduler import DEFAULT_PARAMETERS

from questions.models import Difficulty, Question, Topic

from .bookmarks import (  # noqa: F401 (the app's models are found here)
    ListEntry,
    PlanItem,
    PlanMembership,
    PlanSection,
    QuestionList,
    QuestionNote,
    StudyPlan,
)

DEFAULT_RETENTION = 0.9
MIN_RETENTION = 0.70
MAX_RETENTION = 0.97
MAX_ATTEMPT_LENGTH = 10_000
DEFAULT_LEECH_THRESHOLD = 8
DEFAULT_NEW_PER_DAY = 20  # practice.exposure.NEW_PER_DAY
DEFAULT_REVIEWS_PER_DAY = 200  # Anki's default
# Anki's (and py-fsrs's) learning and relearning steps; practice.scheduling.parse_steps reads them.
DEFAULT_LEARNING_STEPS = "1m 10m"
DEFAULT_RELEARNING_STEPS = "10m"
# FSRS's forgetting-curve decay (w20) of its default parameters: a card's until a fit's.
DEFAULT_DECAY = DEFAULT_PARAMETERS[20]


class Rating(models.IntegerChoices):
    """The four FSRS grades; the values are those of fsrs.Rating."""

    AGAIN = 1, "Again"
    HARD = 2, "Hard"
    GOOD = 3, "Good"
    EASY = 4, "Easy"


class CardState(models.IntegerChoices):
    """The values are those of fsrs.State."""

    LEARNING = 1, "Learning"
    REVIEW = 2, "Review"
    RELEARNING = 3, "Relearning"


class PracticeSettings(models.Model):
    """A user's practice preferences."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="practice_settings",
    )
    desired_retention = models.FloatField(
        default=DEFAULT_RETENTION,
        help_text=(
            "The share of answers you want to still recall when a review comes due "
            f"({MIN_RETENTION:.2f}–{MAX_RETENTION:.2f}). Higher means more frequent reviews."
        ),
    )
    session_size = models.PositiveSmallIntegerField(
        default=10,
        help_text="How many cards a practice session offers by default (1–50).",
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="Your day (for burying until tomorrow and the daily limits) starts at midnight here.",
    )
    leech_threshold = models.PositiveSmallIntegerField(
        default=DEFAULT_LEECH_THRESHOLD,
        help_text=(
            "A card you have forgotten this many times is a leech: you are told, and offered "
            "its canonical answer, a note or suspending it (Anki: 8)."
        ),
    )
    # Anki's two daily limits; they set the exposure policy's allowances (practice.exposure).
    new_per_day = models.PositiveSmallIntegerField(
        default=DEFAULT_NEW_PER_DAY,
        help_text=(
            "At most this many questions new to you a day in due-review sessions "
            "(0–999; the new-questions mode has no limit)."
        ),
    )
    reviews_per_day = models.PositiveSmallIntegerField(
        default=DEFAULT_REVIEWS_PER_DAY,
        help_text="At most this many due reviews a day (0–9999; cards you just failed still come back).",
    )
    interval_fuzz = models.BooleanField(
        default=False,
        help_text=(
            "Spread review intervals by a few percent, as Anki does, so that cards learnt "
            "together do not stay due together (drawn from the card and the review: a replay "
            "of your history gives the same dates)."
        ),
    )
    learning_steps = models.CharField(
        max_length=100,
        blank=True,
        default=DEFAULT_LEARNING_STEPS,
        help_text=(
            "When you first learn a card, it comes back after these delays before its first "
            "review in days: whole numbers with s, m, h or d, e.g. “1m 10m” (Anki's default); "
            "empty: straight to reviews."
        ),
    )
    relearning_steps = models.CharField(
        max_length=100,
        blank=True,
        default=DEFAULT_RELEARNING_STEPS,
        help_text=(
            "When you forget a card, it comes back after these delays, e.g. “10m” (Anki's "
            "default); empty: its next review is in days."
        ),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "practice settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(new_per_day__lte=999),
                name="practicesettings_new_per_day_range",
            ),
            models.CheckConstraint(
                condition=Q(reviews_per_day__lte=9999),
                name="practicesettings_reviews_per_day_range",
            ),
            models.CheckConstraint(
                condition=Q(leech_threshold__gte=1) & Q(leech_threshold__lte=99),
                name="practicesettings_leech_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(desired_retention__gte=MIN_RETENTION)
                & Q(desired_retention__lte=MAX_RETENTION),
                name="practicesettings_retention_range",
            ),
            models.CheckConstraint(
                condition=Q(session_size__gte=1) & Q(session_size__lte=50),
                name="practicesettings_session_size_range",
            ),
        ]

    def __str__(self):
        return f"Practice settings of {self.user_id}"

    @property
    def zone(self):
        """The member's time zone (UTC if the stored name is unknown here)."""
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return UTC

    def day_start(self, now):
        """When the member's day containing `now` began (midnight in their time zone)."""
        local = now.astimezone(self.zone)
        return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)

    def tomorrow(self, now):
        """When the member's next day begins (midnight in their time zone)."""
        local = now.astimezone(self.zone).date() + timedelta(days=1)
        return datetime.combine(local, time(), tzinfo=self.zone).astimezone(UTC)


class FsrsParameters(models.Model):
    """One set of FSRS parameters fitted to a member's own review log (practice.fitting).

    Never changed once saved: each review records the set it was scheduled with, so a card is
    rebuilt exactly from its log whatever was fitted since. No row means FSRS's defaults."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="fsrs_parameters",
    )
    version = models.PositiveIntegerField()
    weights = models.JSONField(help_text="FSRS-6's 21 parameters w0–w20.")
    review_count = models.PositiveIntegerField(
        help_text="Reviews in the member's log when it was fitted."
    )
    fitted_at = models.DateTimeField(default=timezone.now)
    # Predicted against actual recall on the same log, with the parameters in force before the
    # fit and with these: {"before": {...}, "after": {...}} (practice.fitting.calibration_summary).
    calibration = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "FSRS parameters"
        # Both databases we run on have JSON; declared, so `manage.py check` need not connect.
        required_db_features = {"supports_json_field"}
        constraints = [
            models.UniqueConstraint(
                fields=["user", "version"], name="fsrsparameters_one_per_version"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="fsrsparameters_version_positive"
            ),
        ]

    def __str__(self):
        return f"FSRS parameters v{self.version} of {self.user_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A parameter set is never changed: fit a new version.")
        super().save(*args, **kwargs)

    @property
    def weights_tuple(self) -> tuple[float, ...]:
        return tuple(float(w) for w in self.weights)


class CardQuerySet(models.QuerySet):
    def practised(self):
        """Cards with a grade in their log (since their last reset, not undone). A card without
        one (its only grade undone, or forgotten) is a new question again."""
        return self.filter(last_review__isnull=False)

    def taken(self, now=None):
        """Cards whose question is not offered as a new one: practised, suspended, or buried
        (until `now`; any burial when no time is given)."""
        buried = (
            Q(buried_until__isnull=False) if now is None else Q(buried_until__gt=now)
        )
        return self.filter(
            Q(last_review__isnull=False) | Q(suspended_at__isnull=False) | buried
        )

    def set_aside(self, now):
        """Cards that may not come now, whatever the mode: suspended, or buried until later."""
        return self.filter(Q(suspended_at__isnull=False) | Q(buried_until__gt=now))


class Card(models.Model):
    """One user's FSRS memory state for one question; rebuilt exactly by replaying its reviews."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="practice_cards",
    )
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="practice_cards"
    )
    state = models.PositiveSmallIntegerField(
        choices=CardState.choices, default=CardState.LEARNING
    )
    step = models.PositiveSmallIntegerField(null=True, blank=True, default=0)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField(default=timezone.now)
    last_review = models.DateTimeField(null=True, blank=True)
    review_count = models.PositiveIntegerField(default=0)
    lapse_count = models.PositiveIntegerField(default=0)
    # Sums over this card's reviews of 0.5 ** (age / 30 days), valued at last_review: the
    # recency-weighted pass rate of a topic is then one pass over cards, not over reviews.
    recent_weight = models.FloatField(default=0.0)
    recent_pass_weight = models.FloatField(default=0.0)
    # The weak-topic evidence (practice.mastery), kept up by apply_review like the sums above:
    # whether the first grade passed, and over the reviews made once the card had graduated
    # (state Review), their number and the sum of 1 - R (the lapses FSRS expected).
    first_passed = models.BooleanField(null=True, blank=True)
    retention_reviews = models.PositiveIntegerField(default=0)
    expected_lapses = models.FloatField(default=0.0)
    # The forgetting curve's decay (w20) of the parameters of the card's last review: its recall
    # between reviews follows the curve its stability was computed with.
    decay = models.FloatField(default=DEFAULT_DECAY, db_default=DEFAULT_DECAY)
    created_at = models.DateTimeField(default=timezone.now)
    # "Forget" (the card browser) sets this: the card is new again and replaying its log starts
    # after it (reviews made at or before it are kept, and skipped by rebuild_card).
    reset_at = models.DateTimeField(null=True, blank=True)
    # Set aside by the member, not by the log: a suspended card never comes in any mode until
    # unsuspended ("not for my role"); a buried one not before buried_until (their tomorrow).
    suspended_at = models.DateTimeField(null=True, blank=True)
    buried_until = models.DateTimeField(null=True, blank=True)
    # "Set due date" (the card browser): the due date chosen, and when. Replaying the log keeps
    # it until a later review reschedules the card (rebuild_card).
    due_set_to = models.DateTimeField(null=True, blank=True)
    due_set_at = models.DateTimeField(null=True, blank=True)

    objects = CardQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "question"], name="practicecard_one_per_question"
            ),
            models.CheckConstraint(
                condition=Q(state__in=CardState.values), name="practicecard_state_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "due"], name="practicecard_user_due_idx")
        ]

    def __str__(self):
        return f"Card of {self.user_id} for question {self.question_id}"

    def get_absolute_url(self):
        return reverse("practice:card", kwargs={"pk": self.pk})

    def is_leech(self, threshold) -> bool:
        """Forgotten `threshold` times or more (lapses: failed once it had graduated)."""
        return self.lapse_count >= threshold

    def is_buried(self, now) -> bool:
        return self.buried_until is not None and self.buried_until > now


class ReviewQuerySet(models.QuerySet):
    def counted(self):
        """Grades that stand: undone ones (voided) are kept in the log but never counted."""
        return self.filter(voided_at__isnull=True)


class Review(models.Model):
    """One grading of a card: append-only. The card's state is a function of these rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="practice_reviews",
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="Time from showing the question to grading it."
    )
    retrievability = models.FloatField(
        null=True,
        blank=True,
        help_text="Predicted recall just before this review (none for a card's first review).",
    )
    # Needed to replay the log: the scheduler's intervals depend on it.
    desired_retention = models.FloatField(default=DEFAULT_RETENTION)
    # Needed to replay the log too: the FSRS parameters it was scheduled with (none: defaults).
    parameters = models.ForeignKey(
        FsrsParameters,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="reviews",
    )
    attempt = models.TextField(blank=True, max_length=MAX_ATTEMPT_LENGTH)
    # Set once, when the member undoes this grade: the row stays in the log, the card is
    # rebuilt without it (practice.scheduling.rebuild_card) and no figure counts it.
    voided_at = models.DateTimeField(null=True, blank=True)
    # Needed to replay the log too: this review's interval was fuzzed (the member's setting then).
    # db_default: rows written by COPY (devtools' demo data) name only the columns they fill.
    fuzzed = models.BooleanField(default=False, db_default=False)
    # And the steps (practice.scheduling.parse_steps) the member had set then.
    learning_steps = models.CharField(
        max_length=100,
        blank=True,
        default=DEFAULT_LEARNING_STEPS,
        db_default=DEFAULT_LEARNING_STEPS,
    )
    relearning_steps = models.CharField(
        max_length=100,
        blank=True,
        default=DEFAULT_RELEARNING_STEPS,
        db_default=DEFAULT_RELEARNING_STEPS,
    )

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__in=Rating.values),
                name="practicereview_rating_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["user", "reviewed_at"], name="practicereview_user_time_idx"
            ),
            models.Index(
                fields=["card", "reviewed_at"], name="practicereview_card_time_idx"
            ),
        ]

    def __str__(self):
        return f"{self.get_rating_display()} on card {self.card_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(
                "The review log is append-only: reviews are never changed."
            )
        super().save(*args, **kwargs)

    def void(self, *, at):
        """Mark this grade undone; the only change a review ever gets, and only once."""
        if self.voided_at is not None:
            raise ValueError("This review is already undone.")
        self.voided_at = at
        super().save(update_fields=["voided_at"])

    @property
    def passed(self):
        return self.rating >= Rating.HARD

    @property
    def duration_seconds(self):
        return None if self.duration_ms is None else round(self.duration_ms / 1000)


class Mode(models.TextChoices):
    DUE = "due", "Due reviews"
    WEAK = "weak", "Focus on weak topics"
    NEW = "new", "New questions"
    MOCK = "mock", "Mock interview"
    LIST = "list", "From a list"
    PLAN = "plan", "From a study plan"


# Modes that practise the questions of one list or plan (practice.bookmarks), not the bank.
COLLECTION_MODES = (Mode.LIST, Mode.PLAN)


class PracticeSession(models.Model):
    """One sitting: the options chosen at the start and the cards shown, each question at most once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="practice_sessions",
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.DUE)
    topics = models.ManyToManyField(Topic, blank=True, related_name="+")
    difficulty = models.CharField(
        max_length=10, choices=Difficulty.choices, blank=True, help_text="Blank: any."
    )
    size = models.PositiveSmallIntegerField(default=10)
    time_limit = models.DurationField(null=True, blank=True)
    # The list or plan a "from a list" / "from a study plan" session practises.
    question_list = models.ForeignKey(
        "QuestionList",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    study_plan = models.ForeignKey(
        "StudyPlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    desired_retention = models.FloatField(default=DEFAULT_RETENTION)
    # The member's FSRS parameters when the session started (none: defaults); a new fit
    # applies to sessions started after it, as a new desired retention does.
    parameters = models.ForeignKey(
        FsrsParameters,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gte=1) & Q(size__lte=50),
                name="practicesession_size_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["user", "-started_at"], name="practicesession_user_idx"
            )
        ]

    def __str__(self):
        return f"{self.get_mode_display()} session {self.pk}"

    def get_absolute_url(self):
        return reverse("practice:session", kwargs={"pk": self.pk})

    @property
    def deadline(self):
        return self.started_at + self.time_limit if self.time_limit else None

    def is_over(self, now=None):
        """Ended explicitly, or a mock interview whose time is up."""
        if self.ended_at is not None:
            return True
        deadline = self.deadline
        return deadline is not None and (now or timezone.now()) >= deadline


class SessionItem(models.Model):
    """A question shown in a session: its private attempt, then (once graded) its review."""

    class Reason(models.TextChoices):
        DUE = "due", "Due for review"
        WEAK = "weak", "New, from a weak topic"
        NEW = "new", "New question"
        EARLY = "early", "Early review in a weak topic"
        MOCK = "mock", "Mock interview question"
        RELEARN = "relearn", "Again, after a slip earlier in this session"

    session = models.ForeignKey(
        PracticeSession, on_delete=models.CASCADE, related_name="items"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=10, choices=Reason.choices)
    shown_at = models.DateTimeField(default=timezone.now)
    attempt = models.TextField(blank=True, max_length=MAX_ATTEMPT_LENGTH)
    thought_through = models.BooleanField(default=False)
    attempted_at = models.DateTimeField(null=True, blank=True)
    # Skipped (or buried, or suspended) from the session: it leaves it ungraded, for good.
    skipped_at = models.DateTimeField(null=True, blank=True)
    review = models.OneToOneField(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="item"
    )

    class Meta:
        ordering = ["session", "position"]
        constraints = [
            # A question is shown again in a session only once graded (a failed card comes
            # back after its relearning step): never two ungraded showings of one question.
            models.UniqueConstraint(
                fields=["session", "question"],
                condition=Q(review__isnull=True),
                name="sessionitem_question_open_once",
            ),
            models.UniqueConstraint(
                fields=["session", "position"], name="sessionitem_unique_position"
            ),
        ]

    def __str__(self):
        return f"Item {self.position} of session {self.session_id}"

    @property
    def is_revealed(self):
        """Answers may be shown only once an attempt (or "I thought it through") is recorded."""
        return self.attempted_at is not None

    @property
    def is_graded(self):
        return self.review_id is not None


# Models holding one user's private practice data; deleting an account deletes their rows
# (accounts.services.user_delete runs `.filter(user=user).delete()` on each; session items go
# with their session).
# Parameter sets after the sessions and reviews that point at them.
PRIVATE_MODELS = [
    PracticeSession,
    Review,
    Card,
    PracticeSettings,
    QuestionNote,
    QuestionList,
    PlanMembership,
    FsrsParameters,
]
