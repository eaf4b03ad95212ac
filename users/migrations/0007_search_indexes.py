from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

POSTGRES_INDEXES = [
    # One combined trigram index: per-column indexes OR'd together make the planner scan all.
    (
        "users_user_search_trgm",
        "CREATE INDEX IF NOT EXISTS users_user_search_trgm ON users_user USING gin "
        "((LOWER(email || ' ' || first_name || ' ' || last_name)) gin_trgm_ops)",
    ),
    # Short terms: word prefixes.
    (
        "users_user_first_prefix",
        "CREATE INDEX IF NOT EXISTS users_user_first_prefix ON users_user "
        "(LOWER(first_name) text_pattern_ops)",
    ),
    (
        "users_user_last_prefix",
        "CREATE INDEX IF NOT EXISTS users_user_last_prefix ON users_user "
        "(LOWER(last_name) text_pattern_ops)",
    ),
    (
        "users_user_email_prefix",
        "CREATE INDEX IF NOT EXISTS users_user_email_prefix ON users_user "
        "(email text_pattern_ops)",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, sql in POSTGRES_INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in POSTGRES_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    """Search at scale on PostgreSQL (pg_trgm); SQLite keeps a plain scan."""

    dependencies = [("users", "0006_impersonation_sessions")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create, drop),
    ]
