from django import forms

from .models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4, "maxlength": 500})}

    def clean_display_name(self):
        name = " ".join(self.cleaned_data["display_name"].split())
        if any(not ch.isprintable() for ch in name):
            raise forms.ValidationError("Use printable characters only.")
        if name.lower() in {"deleted user", "moderator", "admin"}:
            raise forms.ValidationError("That name is reserved; choose another.")
        return name

    def clean_bio(self):
        bio = self.cleaned_data["bio"].replace("\r\n", "\n").strip()
        if any(not ch.isprintable() and ch != "\n" for ch in bio):
            raise forms.ValidationError("Use printable characters only.")
        return bio


class AccountDeleteForm(forms.Form):
    confirm_username = forms.CharField(
        label="Type your username to confirm",
        help_text="This cannot be undone.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirm_username(self):
        typed = self.cleaned_data["confirm_username"].strip()
        if typed != self.user.username:
            raise forms.ValidationError("That is not your username.")
        return typed
