"""Forms for lists, notes and study plans."""

from django import forms

from accounts.permissions import posting_refusal

from .bookmarks import MAX_NOTE_LENGTH, QuestionList, StudyPlan
from .forms import _clean_text
from .own_deck import MAX_UPLOAD_BYTES, DeckFileError, parse_deck_file


def _may_publish(form, user):
    """Only members who may post publish a list or plan (suspended or unverified ones keep
    theirs private)."""
    if form.cleaned_data.get("is_public"):
        reason = posting_refusal(user)
        if reason:
            form.add_error("is_public", reason)


class QuestionListForm(forms.ModelForm):
    new_link = forms.BooleanField(
        required=False,
        label="Replace the share link (the old link stops working)",
    )

    class Meta:
        model = QuestionList
        fields = ["name", "is_public"]
        labels = {"is_public": "Public: anyone with the share link can see it"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk is None:
            del self.fields["new_link"]

    def clean_name(self):
        name = _clean_text(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError("Give the list a name.")
        taken = QuestionList.objects.filter(user=self.user, name=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("You already have a list with this name.")
        return name

    def clean(self):
        data = super().clean()
        _may_publish(self, self.user)
        return data


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Your note",
        required=False,
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_NOTE_LENGTH}),
        help_text="Private: only you see it. Empty it to delete it.",
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_body(self):
        return _clean_text(self.cleaned_data["body"])


class SaveToListsForm(forms.Form):
    lists = forms.ModelMultipleChoiceField(
        queryset=QuestionList.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Your lists",
    )
    new_list = forms.CharField(
        label="Or a new list",
        required=False,
        max_length=80,
        help_text="Its name; the question goes into it.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["lists"].queryset = QuestionList.objects.filter(user=user)

    def clean_new_list(self):
        name = _clean_text(self.cleaned_data["new_list"])
        if name and QuestionList.objects.filter(user=self.user, name=name).exists():
            raise forms.ValidationError(
                "You already have a list with this name: tick it above."
            )
        return name


class StudyPlanForm(forms.ModelForm):
    class Meta:
        model = StudyPlan
        fields = ["title", "description", "is_public"]
        labels = {"is_public": "Public: listed on the plans page; anyone can join"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        _may_publish(self, self.user)
        return data

    def clean_title(self):
        title = _clean_text(self.cleaned_data["title"])
        if not title:
            raise forms.ValidationError("Give the plan a title.")
        return title


class PlanSectionForm(forms.Form):
    title = forms.CharField(label="New section", max_length=120)


class PlanItemForm(forms.Form):
    section = forms.ModelChoiceField(queryset=None, empty_label=None)
    question = forms.IntegerField(
        label="Question number",
        min_value=1,
        max_value=2**31 - 1,
        help_text="The number in the question's address: /questions/<number>/…",
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = plan.sections.all()


class DeckImportForm(forms.Form):
    file = forms.FileField(
        label="CSV or Anki deck (.apkg)",
        help_text=(
            "CSV: two columns, front and back, UTF-8. Anki: the first field of each note is the "
            "front, the second the back (formatting and images are dropped). At most 5 MB and "
            "1,000 cards."
        ),
    )
    topic = forms.ModelChoiceField(
        queryset=None,
        empty_label=None,
        help_text="Your cards count towards this topic on your progress page.",
    )

    def __init__(self, *args, **kwargs):
        from questions.models import Topic

        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.all()

    def clean(self):

        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                self.add_error(
                    "file",
                    f"The file is larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB.",
                )
                return data
            try:
                data["cards"] = parse_deck_file(
                    upload.name, upload.read(MAX_UPLOAD_BYTES + 1)
                )
            except DeckFileError as error:
                self.add_error("file", str(error))
        return data
