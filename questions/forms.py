from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from .models import (
    ANSWER_MAX_LENGTH,
    ANSWER_MIN_LENGTH,
    COMMENT_MAX_LENGTH,
    COMMENT_MIN_LENGTH,
    Answer,
    Comment,
    InterviewMark,
    InterviewRole,
    Question,
)
from .models.feedback import COMPANY_MAX_LENGTH, INTERVIEW_YEAR_MIN


def clean_text(text):
    """Normalise line endings and drop control characters other than newlines and tabs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch for ch in text if ch in "\n\t" or ch.isprintable() or ch.isspace()
    ).strip()


class AnswerForm(forms.ModelForm):
    class Meta:
        model = Answer
        fields = ["body"]
        labels = {"body": "Your answer"}
        help_texts = {
            "body": (
                "Markdown: **bold**, `code`, ```python fenced blocks```, lists, links. "
                "Math: \\( x^2 \\) inline, $$ \\sum_i x_i $$ on its own line."
            )
        }
        widgets = {
            "body": forms.Textarea(attrs={"rows": 12, "maxlength": ANSWER_MAX_LENGTH})
        }

    def clean_body(self):
        body = clean_text(self.cleaned_data["body"])
        if len(body) < ANSWER_MIN_LENGTH:
            raise forms.ValidationError(
                f"An answer needs at least {ANSWER_MIN_LENGTH} characters (this one has {len(body)}): explain a little more."
            )
        if len(body) > ANSWER_MAX_LENGTH:
            raise forms.ValidationError(
                f"An answer can have at most {ANSWER_MAX_LENGTH:,} characters (this one has {len(body):,})."
            )
        return body


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body"]
        labels = {"body": "Comment"}
        help_texts = {
            "body": f"Plain text, {COMMENT_MIN_LENGTH}–{COMMENT_MAX_LENGTH} characters; links are allowed."
        }
        widgets = {
            "body": forms.Textarea(attrs={"rows": 2, "maxlength": COMMENT_MAX_LENGTH})
        }

    def clean_body(self):
        body = clean_text(self.cleaned_data["body"])
        if len(body) < COMMENT_MIN_LENGTH:
            raise forms.ValidationError(
                f"A comment needs at least {COMMENT_MIN_LENGTH} characters."
            )
        if len(body) > COMMENT_MAX_LENGTH:
            raise forms.ValidationError(
                f"A comment can have at most {COMMENT_MAX_LENGTH} characters (this one has {len(body)})."
            )
        return body


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["title", "body", "topic", "difficulty"]
        labels = {"title": "Question", "body": "Details (optional)"}
        help_texts = {
            "title": "Phrase it as an interviewer would ask it, 15–300 characters.",
            "body": "Context or constraints, in Markdown.",
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 5, "maxlength": 5000})}

    def clean_title(self):
        title = " ".join(clean_text(self.cleaned_data["title"]).split())
        if len(title) < 15:
            raise forms.ValidationError("A question needs at least 15 characters.")
        return title

    def clean_body(self):
        body = clean_text(self.cleaned_data["body"])
        if len(body) > 5000:
            raise forms.ValidationError("Details can have at most 5,000 characters.")
        return body


class QuestionProposalForm(QuestionForm):
    """A member's new question. While they type the title, the closest questions already in
    the bank are listed (htmx); proposing one of those anyway takes a tick in `not_duplicate`."""

    not_duplicate = forms.BooleanField(
        required=False, label="None of these asks my question: propose it anyway."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # data-hx-*: valid HTML; the page works the same without them (the list comes with the
        # submit instead).
        self.fields["title"].widget.attrs.update(
            {
                "data-hx-get": reverse_lazy("questions:similar"),
                "data-hx-trigger": "input changed delay:400ms",
                "data-hx-target": "#similar-questions",
                "data-hx-swap": "outerHTML",
                "data-hx-include": "[name='body'], [name='not_duplicate']",
                "data-hx-sync": "this:replace",
                "aria-controls": "similar-questions",
            }
        )

    @property
    def question_fields(self):
        """The question's own fields, for the template (the confirmation tick comes with the
        list of similar questions)."""
        return [
            field for field in self.visible_fields() if field.name != "not_duplicate"
        ]


class SimilarQuestionsForm(forms.Form):
    """What the list of similar questions is worked out from, as typed so far."""

    title = forms.CharField(max_length=300, required=False)
    body = forms.CharField(max_length=5000, required=False)
    not_duplicate = forms.BooleanField(required=False)


DELETE_REASON_MAX_LENGTH = 300


class DeleteForm(forms.Form):
    """The confirmation step of deleting an answer or a comment. A moderator deleting someone
    else's post may say why (the audit log keeps it); an author's own deletion needs nothing."""

    reason = forms.CharField(
        max_length=DELETE_REASON_MAX_LENGTH,
        required=False,
        label="Reason (for the audit log)",
        widget=forms.TextInput(attrs={"maxlength": DELETE_REASON_MAX_LENGTH}),
    )

    def clean_reason(self):
        return clean_text(self.cleaned_data["reason"])


class InterviewMarkForm(forms.ModelForm):
    """ "I was asked this in an interview", with the role, company and year if the member wants."""

    class Meta:
        model = InterviewMark
        fields = ["role", "company", "year"]
        labels = {
            "role": "Role interviewed for",
            "company": "Company",
            "year": "Year",
        }
        help_texts = {
            "company": "Shown only once another member names it too, and never with you.",
        }
        widgets = {
            "company": forms.TextInput(
                attrs={"maxlength": COMPANY_MAX_LENGTH, "autocomplete": "organization"}
            ),
            "year": forms.NumberInput(attrs={"min": INTERVIEW_YEAR_MIN}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Not saying"), *InterviewRole.choices]
        self.fields["year"].widget.attrs["max"] = timezone.now().year

    def clean_company(self):
        return " ".join(clean_text(self.cleaned_data["company"]).split())

    def clean_year(self):
        year = self.cleaned_data["year"]
        this_year = timezone.now().year
        if year is not None and not INTERVIEW_YEAR_MIN <= year <= this_year:
            raise forms.ValidationError(
                f"Give a year from {INTERVIEW_YEAR_MIN} to {this_year}, or leave it empty."
            )
        return year
