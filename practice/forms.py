from datetime import timedelta
from zoneinfo import available_timezones

from django import forms

from questions.models import Difficulty, Topic

from .models import (
    COLLECTION_MODES,
    MAX_ATTEMPT_LENGTH,
    MAX_RETENTION,
    MIN_RETENTION,
    Mode,
    PracticeSettings,
    Rating,
)
from .scheduling import normal_steps
from .services import CardAction, SetAside

TIME_ZONES = frozenset(available_timezones()) | {"UTC"}
TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(TIME_ZONES)]

MODE_HELP = {
    Mode.DUE: "Cards due for review first (the ones you are most likely to have forgotten), then new questions.",
    Mode.WEAK: "Only your weak topics (or your lowest-mastery ones): due cards, then new questions, then early reviews.",
    Mode.NEW: "Questions you have never practised, mostly from your weak topics.",
    Mode.MOCK: "A timed set of questions across topics, with a countdown and a summary at the end.",
}


def _clean_text(text):
    """Normalise line endings and drop control characters other than newlines and tabs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()


class TopicsField(forms.ModelMultipleChoiceField):
    """Ticked topics. An id too large for the database is unknown, not a crash (SQLite's IN)."""

    def clean(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            try:
                too_large = abs(int(pk)) >= 2**63
            except (TypeError, ValueError):
                continue  # not a number: the field refuses it itself
            if too_large:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super().clean(value)


class StartForm(forms.Form):
    # Lists and plans are practised from their own pages (practice.views.lists).
    mode = forms.ChoiceField(
        choices=[c for c in Mode.choices if c[0] not in COLLECTION_MODES],
        initial=Mode.DUE,
        widget=forms.RadioSelect,
    )
    topics = TopicsField(
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every topic.",
    )
    difficulty = forms.ChoiceField(
        choices=[("", "Any difficulty"), *Difficulty.choices], required=False
    )
    size = forms.IntegerField(
        label="Cards", min_value=1, max_value=50, initial=10, help_text="1 to 50."
    )
    minutes = forms.IntegerField(
        label="Time limit (mock interview)",
        min_value=1,
        max_value=180,
        initial=20,
        required=False,
        help_text="Minutes, 1 to 180.",
    )

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic_list = topics

    def clean(self):
        data = super().clean()
        if data.get("mode") == Mode.MOCK and not data.get("minutes"):
            self.add_error("minutes", "A mock interview needs a time limit.")
        return data

    @property
    def time_limit(self):
        minutes = self.cleaned_data.get("minutes")
        return timedelta(minutes=minutes) if minutes else None

    def modes(self):
        """(radio, help text) pairs for the template."""
        return [(radio, MODE_HELP[radio.data["value"]]) for radio in self["mode"]]

    def topic_checkboxes(self):
        """(id, value, label, checked) of each topic's checkbox, from the topics given (the
        cached list) if any: the field's own choices read the topics again, row by row through a
        server-side cursor on PostgreSQL."""
        field = self["topics"]
        chosen = {str(value) for value in field.value() or ()}
        topics = self.topic_list
        if topics is None:
            topics = self.fields["topics"].queryset
        return [
            (f"{field.auto_id}_{index}", topic.pk, topic.name, str(topic.pk) in chosen)
            for index, topic in enumerate(topics)
        ]


class AttemptForm(forms.Form):
    attempt = forms.CharField(
        label="Your attempt",
        required=False,
        max_length=MAX_ATTEMPT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_ATTEMPT_LENGTH}),
        help_text="Private: only you see it, in your history. Optional.",
    )
    thought = forms.BooleanField(required=False)

    def clean_attempt(self):
        return _clean_text(self.cleaned_data["attempt"])


class GradeForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=Rating.choices,
        coerce=int,
        error_messages={
            "required": "Choose Again, Hard, Good or Easy.",
            "invalid_choice": "Choose Again, Hard, Good or Easy.",
        },
    )


class PracticeSettingsForm(forms.ModelForm):
    # Optional in a post: left out, the saved value stays (older clients send only the first two).
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES,
        required=False,
        label="Time zone",
        help_text=PracticeSettings._meta.get_field("time_zone").help_text,
        error_messages={
            "invalid_choice": "Choose a time zone from the list (for example Europe/Paris or UTC)."
        },
    )
    leech_threshold = forms.IntegerField(
        required=False,
        label="Leech threshold",
        help_text=PracticeSettings._meta.get_field("leech_threshold").help_text,
        widget=forms.NumberInput(attrs={"min": 1, "max": 99}),
    )

    new_per_day = forms.IntegerField(
        required=False,
        label="New questions per day",
        min_value=0,
        max_value=999,
        help_text=PracticeSettings._meta.get_field("new_per_day").help_text,
    )
    reviews_per_day = forms.IntegerField(
        required=False,
        label="Reviews per day",
        min_value=0,
        max_value=9999,
        help_text=PracticeSettings._meta.get_field("reviews_per_day").help_text,
    )

    class Meta:
        model = PracticeSettings
        fields = [
            "desired_retention",
            "session_size",
            "new_per_day",
            "reviews_per_day",
            "time_zone",
            "leech_threshold",
            "interval_fuzz",
            "learning_steps",
            "relearning_steps",
        ]
        labels = {"desired_retention": "Desired retention"}
        widgets = {
            "desired_retention": forms.NumberInput(
                attrs={"step": "0.01", "min": MIN_RETENTION, "max": MAX_RETENTION}
            ),
            "session_size": forms.NumberInput(attrs={"min": 1, "max": 50}),
        }

    def clean_desired_retention(self):
        value = self.cleaned_data["desired_retention"]
        if not MIN_RETENTION <= value <= MAX_RETENTION:
            raise forms.ValidationError(
                f"Choose a value from {MIN_RETENTION:.2f} to {MAX_RETENTION:.2f} (0.90 is a good start)."
            )
        return round(value, 3)

    def _clean_steps(self, name):
        if self.add_prefix(name) not in self.data:
            # Not sent at all (an older form): keep the member's steps. Sent empty: no steps.
            return getattr(self.instance, name)
        try:
            return normal_steps(self.cleaned_data[name])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_learning_steps(self):
        return self._clean_steps("learning_steps")

    def clean_relearning_steps(self):
        return self._clean_steps("relearning_steps")

    def clean_time_zone(self):
        return self.cleaned_data["time_zone"] or self.instance.time_zone

    def clean_new_per_day(self):
        value = self.cleaned_data["new_per_day"]
        return self.instance.new_per_day if value is None else value

    def clean_reviews_per_day(self):
        value = self.cleaned_data["reviews_per_day"]
        return self.instance.reviews_per_day if value is None else value

    def clean_leech_threshold(self):
        value = self.cleaned_data["leech_threshold"]
        if value is None:
            return self.instance.leech_threshold
        if not 1 <= value <= 99:
            raise forms.ValidationError("Choose from 1 to 99 lapses (Anki uses 8).")
        return value

    def clean_session_size(self):
        value = self.cleaned_data["session_size"]
        if not 1 <= value <= 50:
            raise forms.ValidationError("Choose from 1 to 50 cards.")
        return value


class HistoryFilterForm(forms.Form):
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.all(), required=False, empty_label="All topics"
    )
    rating = forms.TypedChoiceField(
        choices=[("", "All ratings"), *Rating.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )

    def filter(self, reviews):
        """Apply the valid filters; invalid ones are reported by the form and ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("topic"):
            reviews = reviews.filter(card__question__topic=data["topic"])
        if data.get("rating"):
            reviews = reviews.filter(rating=data["rating"])
        return reviews

    def query_string(self):
        data = getattr(self, "cleaned_data", {})
        parts = []
        if data.get("topic"):
            parts.append(f"topic={data['topic'].pk}")
        if data.get("rating"):
            parts.append(f"rating={data['rating']}")
        return "&".join(parts)


class SetAsideForm(forms.Form):
    """Skip, bury or suspend the card in front of the member instead of grading it."""

    action = forms.ChoiceField(
        choices=[
            (SetAside.SKIP, "Skip"),
            (SetAside.BURY, "Bury until tomorrow"),
            (SetAside.SUSPEND, "Suspend"),
        ],
        error_messages={"required": "Choose skip, bury or suspend."},
    )


class CardActionForm(forms.Form):
    """An action on some of the member's cards: the card browser's bulk actions, a card's page."""

    cards = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={"required": "Tick at least one card."},
    )
    action = forms.ChoiceField(
        choices=CardAction.CHOICES,
        error_messages={"required": "Choose what to do with the ticked cards."},
    )
    due_date = forms.DateField(
        required=False,
        label="New due date",
        help_text="For “Set due date”: the day the cards come due (in your time zone).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, card_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Only the member's own cards are choices: another member's card is "not one of the
        # choices", never touched.
        self.fields["cards"].choices = [(pk, pk) for pk in card_ids]

    def clean(self):
        data = super().clean()
        if data.get("action") == CardAction.SET_DUE and not data.get("due_date"):
            self.add_error("due_date", "Choose the day the cards should come due.")
        return data
