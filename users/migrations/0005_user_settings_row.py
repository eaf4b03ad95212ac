from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("users", "UserSettings").objects.get_or_create(singleton_id=1)


class Migration(migrations.Migration):
    """The school-wide settings row exists from the start (pages read it in one query)."""

    dependencies = [("users", "0004_details_profile_invitations")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
