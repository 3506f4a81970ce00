from django.contrib import admin

from .models import OutgoingMail
from .tasks import deliver_mail


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "recipients",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status"]
    search_fields = ["subject", "recipients"]
    readonly_fields = [
        field.name for field in OutgoingMail._meta.fields if field.name != "status"
    ]
    actions = ["resend"]

    @admin.action(description="Send again (failed mails)")
    def resend(self, request, queryset):
        failed = list(
            queryset.filter(status=OutgoingMail.Status.FAILED).values_list(
                "pk", flat=True
            )
        )
        OutgoingMail.objects.filter(pk__in=failed).update(
            status=OutgoingMail.Status.PENDING, attempts=0
        )
        for pk in failed:
            deliver_mail.enqueue(pk)
        self.message_user(request, f"{len(failed)} mail(s) queued again.")
