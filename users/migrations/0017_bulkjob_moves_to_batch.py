"""BulkJob moves to the batch app: the table stays as it is (batch.0001 takes it over)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("users", "0016_search_cover_superuser")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel("BulkJob")], database_operations=[]
        )
    ]
