"""BulkJob from the users app: the same table (users_bulkjob), now the batch app's model.
Only the state moves; its content type and permissions follow it."""

import django.db.models.deletion
import django.db.models.expressions
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _move(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=old, model="bulkjob").update(app_label=new)


def move_content_type(apps, schema_editor):
    _move(apps, "users", "batch")


def move_content_type_back(apps, schema_editor):
    _move(apps, "batch", "users")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("users", "0017_bulkjob_moves_to_batch"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='BulkJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=40)),
                        ('parameters', models.JSONField(blank=True, default=dict)),
                        ('user_ids', models.JSONField(blank=True, default=list)),
                        ('total', models.PositiveIntegerField(default=0)),
                        ('done', models.PositiveIntegerField(default=0)),
                        ('unchanged', models.PositiveIntegerField(default=0)),
                        ('failed', models.PositiveIntegerField(default=0)),
                        ('status', models.CharField(choices=[('pending', 'Waiting to start'), ('running', 'Running'), ('done', 'Finished')], default='pending', max_length=10)),
                        ('errors', models.JSONField(blank=True, default=list)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'users_bulkjob',
                        'ordering': ['-created_at', '-id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('done__lte', django.db.models.expressions.CombinedExpression(models.F('total'), '-', models.F('failed')))), name='users_bulkjob_progress'), models.CheckConstraint(condition=models.Q(('unchanged__lte', models.F('done'))), name='users_bulkjob_unchanged')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
