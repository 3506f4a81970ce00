from django.db import migrations


def create_moderators_group(apps, schema_editor):
    # Permissions are normally created after migrations; create this one now so the group has it.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="user")
    permission, _ = Permission.objects.get_or_create(
        codename="moderate", content_type=content_type, defaults={"name": "Can moderate posts, flags and users"}
    )
    group, _ = Group.objects.get_or_create(name="Moderators")
    group.permissions.add(permission)
    # allauth names the site in its e-mails; replace Django's "example.com" placeholder.
    Site = apps.get_model("sites", "Site")
    Site.objects.update_or_create(pk=1, defaults={"domain": "localhost:8000", "name": "MLQA"})


def delete_moderators_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(create_moderators_group, delete_moderators_group)]
