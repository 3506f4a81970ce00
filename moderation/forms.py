import re

from django import forms

from questions.forms import QuestionForm, clean_text
from questions.models import CloseReason

from .models import Flag


class FlagForm(forms.ModelForm):
    # The reasons only: a model field's choices get a blank "---------" first, which a radio
    # list shows as a pre-checked option that posts nothing.
    reason = forms.ChoiceField(
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
        label="What is wrong with this post?",
        error_messages={"required": "Choose what is wrong with this post."},
    )

    class Meta:
        model = Flag
        fields = ["reason", "note"]
        widgets = {"note": forms.TextInput(attrs={"maxlength": 300})}
        labels = {"note": "Note for the moderators"}
        help_texts = {
            "note": "Required for “Other”; optional otherwise (300 characters at most)."
        }

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("reason") == Flag.Reason.OTHER
            and not cleaned.get("note", "").strip()
        ):
            self.add_error("note", "Tell the moderators what is wrong.")
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=2000, required=False, widget=forms.TextInput)

    def clean_reason(self):
        return clean_text(self.cleaned_data["reason"])


class ModerationActionForm(ReasonForm):
    """One click on one post, or the same action on several ticked posts."""

    ACTIONS = [
        ("approve", "Approve"),
        ("reject", "Reject"),
        ("hide", "Hide"),
        ("flags_helpful", "Flags helpful (hide)"),
        ("flags_declined", "Decline flags"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    posts = forms.MultipleChoiceField(
        choices=[], error_messages={"required": "Tick at least one post."}
    )

    def __init__(self, *args, post_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posts"].choices = [(key, key) for key in post_choices]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "reject" and not cleaned.get("reason"):
            self.add_error("reason", "Give a reason for rejecting: the author is told.")
        return cleaned


class SuspendForm(forms.Form):
    days = forms.IntegerField(
        min_value=1, max_value=3650, initial=7, label="Suspend for (days)"
    )
    reason = forms.CharField(max_length=300, label="Reason (the member sees it)")


PURGE_REASON_MAX_LENGTH = 300


class PurgeForm(forms.Form):
    """Purging suspends a member indefinitely and hides all their posts: the reason is required
    (the member sees it, the audit log keeps it)."""

    reason = forms.CharField(
        max_length=PURGE_REASON_MAX_LENGTH,
        label="Reason (the member sees it)",
        help_text="For example: “links to a paid course in 12 answers”.",
        widget=forms.TextInput(attrs={"maxlength": PURGE_REASON_MAX_LENGTH}),
        error_messages={
            "required": "Give a reason: the member sees it and the audit log keeps it."
        },
    )

    def clean_reason(self):
        reason = clean_text(self.cleaned_data["reason"])
        if not reason:
            raise forms.ValidationError(
                "Give a reason: the member sees it and the audit log keeps it."
            )
        return reason


class RemovedFilterForm(forms.Form):
    """Which removed posts the moderators' list shows."""

    kind = forms.ChoiceField(
        choices=[("answer", "Answers"), ("comment", "Comments")], required=False
    )
    state = forms.ChoiceField(
        choices=[("deleted", "Deleted"), ("hidden", "Hidden")], required=False
    )


__all__ = [
    "PurgeForm",
    "RemovedFilterForm",
    "FlagForm",
    "ModerationActionForm",
    "QuestionForm",
    "ReasonForm",
    "SuspendForm",
]


def question_id_from(text) -> int | None:
    """A question's number from what a moderator pastes: "42", "#42", or its address
    (".../questions/42/some-slug/", absolute or not). None when it is neither."""
    text = (text or "").strip()
    if text.startswith("#"):
        text = text[1:]
    if text.isascii() and text.isdigit():
        return int(text)
    match = re.search(r"/questions/(\d+)(?:/|$)", text)
    return int(match.group(1)) if match else None


class QuestionReferenceField(forms.CharField):
    """Another question, by number or address: cleans to its primary key."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 300)
        kwargs.setdefault(
            "help_text", "Its number (42) or its address (/questions/42/…)."
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        pk = question_id_from(value)
        if pk is None or pk > 2**62:
            raise forms.ValidationError(
                "Give the question's number or its address on this site."
            )
        return pk


class QuestionCloseForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[("", "Choose a reason"), *CloseReason.choices],
        label="Why close it?",
        error_messages={"required": "Choose a reason."},
    )
    duplicate_of = QuestionReferenceField(
        required=False, label="Duplicate of (for “Duplicate”)"
    )
    note = forms.CharField(
        max_length=300,
        required=False,
        label="Note (optional, shown on the question)",
        widget=forms.TextInput(attrs={"maxlength": 300}),
    )

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("reason") == CloseReason.DUPLICATE
            and not cleaned.get("duplicate_of")
            and "duplicate_of" not in self.errors
        ):
            self.add_error("duplicate_of", "Say which question this one duplicates.")
        return cleaned


class QuestionMergeForm(forms.Form):
    target = QuestionReferenceField(
        label="Merge into question",
        error_messages={"required": "Say which question to merge it into."},
    )
    reason = forms.CharField(
        max_length=300,
        required=False,
        label="Reason (optional, for the audit log)",
        widget=forms.TextInput(attrs={"maxlength": 300}),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_reason(self):
        return clean_text(self.cleaned_data["reason"])
