import django_filters

from .models import AuditLogEntry

TARGET_TYPES = [(t, t.capitalize()) for t in ("answer", "comment", "question", "user")]


class AuditLogFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        choices=AuditLogEntry.Action.choices, empty_label="Any action"
    )
    target_type = django_filters.ChoiceFilter(
        choices=TARGET_TYPES, empty_label="Any object", label="Object"
    )
    actor = django_filters.CharFilter(
        field_name="actor__username", lookup_expr="iexact", label="Moderator (username)"
    )
    # As long as a reason can be: a longer LIKE pattern is an error in SQLite ("too complex").
    reason = django_filters.CharFilter(
        lookup_expr="icontains", label="Reason contains", max_length=2000
    )

    class Meta:
        model = AuditLogEntry
        fields = ["action", "target_type", "actor", "reason"]
