"""users_profile_value_lookup (field_id, LEFT(value, 100)) serves the foreign key: the index on
field_id alone goes (on fresh data the planner took it for the list filter)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0018_learner_fields"),
    ]

    operations = [
        migrations.AlterField(
            model_name="profilevalue",
            name="field",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="values",
                to="users.profilefield",
            ),
        ),
    ]
