from django import forms

from .models import AccessToken


class AccessTokenForm(forms.ModelForm):
    class Meta:
        model = AccessToken
        fields = ["name"]
        labels = {"name": "Name"}
        help_texts = {"name": "What the token is for, e.g. “my flashcard script”."}
