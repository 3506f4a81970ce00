from django import forms

from questions.forms import QuestionForm, clean_text

from .models import Flag


class FlagForm(forms.ModelForm):
    class Meta:
        model = Flag
        fields = ["reason", "note"]
        widgets = {
            "reason": forms.RadioSelect,
            "note": forms.TextInput(attrs={"maxlength": 300}),
        }
        labels = {
            "reason": "What is wrong with this post?",
            "note": "Note for the moderators",
        }
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


class PurgeForm(forms.Form):
    # The suspension reason the member sees holds 300 characters; a form bounds it (and refuses
    # a NUL, which PostgreSQL can't store) instead of the database.
    reason = forms.CharField(max_length=300, required=False)

    def clean_reason(self):
        return clean_text(self.cleaned_data["reason"]) or "spam"


__all__ = [
    "FlagForm",
    "ModerationActionForm",
    "PurgeForm",
    "QuestionForm",
    "ReasonForm",
    "SuspendForm",
]
