"""The covering indexes of the search tiers and display orders also carry is_superuser.

The Learners list leaves out staff (not a superuser, in no staff group) on every tier; without
is_superuser in the index, each entry a search walked read its table row, which made a search
2-3x slower at 1M learners (docs/PERFORMANCE.md). The staff-group test uses only the id.

Inline SQL, as 0014: a migration must not import app code that later changes.
"""

from django.db import migrations

E = "users_fold(email)"
FL = "users_fold(btrim(first_name || ' ' || last_name))"
LF = "users_fold(btrim(last_name || ' ' || first_name))"
SEEN = "COALESCE(last_login, '1970-01-01 00:00:00+00'::timestamptz)"


def indexes(cover):
    return {
        "users_user_email_key": f'(({E} COLLATE "C"), id) INCLUDE ({cover}, email)',
        "users_user_first_last_key": (
            f'(({FL} COLLATE "C"), id) INCLUDE ({cover}, first_name, last_name)'
        ),
        "users_user_last_first_key": (
            f'(({LF} COLLATE "C"), id) INCLUDE ({cover}, last_name, first_name)'
        ),
        "users_user_name_order": f"(last_name, first_name, id) INCLUDE ({cover})",
        "users_user_email_order": f"(email, id) INCLUDE ({cover})",
        "users_user_seen_order": f"(({SEEN}), id) INCLUDE ({cover}, last_login)",
    }


def rebuild(cover):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, definition in indexes(cover).items():
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
            schema_editor.execute(f"CREATE INDEX {name} ON users_user {definition}")

    return run


class Migration(migrations.Migration):
    dependencies = [("users", "0015_bulkjob_unchanged")]

    operations = [
        migrations.RunPython(
            rebuild("search_key, is_active, is_superuser"), rebuild("search_key, is_active")
        ),
    ]
