import zoneinfo

from django import forms

from .models import MailPreferences

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


def time_zone_choices():
    return [
        (name, name.replace("_", " "))
        for name in sorted(zoneinfo.available_timezones())
    ]


class MailPreferencesForm(forms.ModelForm):
    hour = forms.TypedChoiceField(
        label="Hour of the day for reminders and summaries",
        choices=HOURS,
        coerce=int,
        help_text="Daily mails come at this hour; weekly ones on Mondays at this hour.",
    )
    time_zone = forms.ChoiceField(
        label="Your time zone", choices=time_zone_choices, initial="UTC"
    )

    class Meta:
        model = MailPreferences
        fields = [
            "answers",
            "comments",
            "canonical",
            "moderation",
            "reminder",
            "digest",
            "hour",
            "time_zone",
        ]
        help_texts = {
            "reminder": "Once a day, only when at least one review is due.",
            "digest": "Mondays: your week of practice and the newest questions.",
        }

    def notification_fields(self):
        return [
            self[name] for name in ("answers", "comments", "canonical", "moderation")
        ]

    def choice_fields(self):
        return [self["reminder"], self["digest"]]

    def time_fields(self):
        return [self["hour"], self["time_zone"]]
