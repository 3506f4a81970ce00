from django.contrib import admin

from .models import MailCursor, MailPreferences


@admin.register(MailPreferences)
class MailPreferencesAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "answers",
        "comments",
        "reminder",
        "digest",
        "hour",
        "time_zone",
    ]
    raw_id_fields = ["user"]


@admin.register(MailCursor)
class MailCursorAdmin(admin.ModelAdmin):
    list_display = ["name", "last_id"]
