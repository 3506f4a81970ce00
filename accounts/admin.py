from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User
from .registry import role_changed


def holds_moderator_role(user) -> bool:
    """The moderator role as the database has it now (what User.is_moderator reads, uncached):
    a superuser, or the permission given directly or through a group (the Moderators group)."""
    if user.is_superuser:
        return True
    permission = {"codename": "moderate", "content_type__app_label": "accounts"}
    return (
        user.user_permissions.filter(**permission).exists()
        or user.groups.filter(
            **{f"permissions__{key}": value for key, value in permission.items()}
        ).exists()
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "email",
        "display_name",
        "reputation",
        "is_staff",
        "date_joined",
        "deleted_at",
    )
    search_fields = ("username", "email", "display_name")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("MLQA", {"fields": ("display_name", "bio", "reputation")}),
    )

    def save_model(self, request, obj, form, change):
        # The role before this save: groups and permissions are saved after the row
        # (save_related), so both are read from the database as they were.
        obj._moderator_before = change and holds_moderator_role(
            User.objects.get(pk=obj.pk)
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """Granting or revoking the moderator role here (the Groups field, the permission, the
        superuser box) is a role change: the audit log records it, as every other one."""
        super().save_related(request, form, formsets, change)
        member = form.instance
        now = holds_moderator_role(member)
        if now != getattr(member, "_moderator_before", False):
            role_changed(actor=request.user, user=member, is_moderator=now)
