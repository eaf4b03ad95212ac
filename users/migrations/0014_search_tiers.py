"""Learner search on standard PostgreSQL (users/search.py): drop the search blocks and the
old search column's index; add unaccent, an immutable folding function, the B-tree keys of
the exact and prefix tiers, a stored search key with its trigram index, and the display
orders.

Everything here is inline SQL: a migration must not import app code that later changes.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

DROP_BLOCKS = [
    "DROP TRIGGER IF EXISTS users_search_dirty_update ON users_user",
    "DROP TRIGGER IF EXISTS users_search_dirty_insert ON users_user",
    "DROP FUNCTION IF EXISTS users_mark_search_dirty()",
    "DROP TABLE IF EXISTS users_searchdirty",
    "DROP SEQUENCE IF EXISTS users_searchdirty_mark",
    "DROP TABLE IF EXISTS users_searchblock",
    "DROP INDEX IF EXISTS users_user_search_text_trgm",
]

# unaccent() is STABLE (its dictionary could change), so an index cannot use it directly:
# the documented way is an IMMUTABLE wrapper naming the dictionary and the schema (so it
# also works with the empty search_path of pg_restore).
FOLD = """
CREATE OR REPLACE FUNCTION users_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1)) $$
"""
E = "users_fold(email)"
FL = "users_fold(btrim(first_name || ' ' || last_name))"
LF = "users_fold(btrim(last_name || ' ' || first_name))"
SEEN = "COALESCE(last_login, '1970-01-01 00:00:00+00'::timestamptz)"
COVER = "search_key, is_active"
POSTGRES = [
    # chr(1) never occurs in a search term: each part is matched on its own.
    "ALTER TABLE users_user ADD COLUMN search_key text GENERATED ALWAYS AS "
    f"(chr(1) || {E} || chr(1) || {FL} || chr(1) || {LF} || chr(1)) STORED",
    # The keys of the exact and prefix tiers, in byte order (so a prefix is a range);
    # covering, so a tier reads no table row (the planner wants the key's own columns too).
    f'CREATE INDEX users_user_email_key ON users_user (({E} COLLATE "C"), id) '
    f"INCLUDE ({COVER}, email)",
    f'CREATE INDEX users_user_first_last_key ON users_user (({FL} COLLATE "C"), id) '
    f"INCLUDE ({COVER}, first_name, last_name)",
    f'CREATE INDEX users_user_last_first_key ON users_user (({LF} COLLATE "C"), id) '
    f"INCLUDE ({COVER}, last_name, first_name)",
    "CREATE INDEX users_user_search_key_trgm ON users_user USING gin (search_key gin_trgm_ops)",
    # Display orders; covering, so a walk in that order reads no table row.
    "CREATE INDEX users_user_name_order ON users_user (last_name, first_name, id) "
    "INCLUDE (search_key, is_active)",
    "CREATE INDEX users_user_email_order ON users_user (email, id) INCLUDE (search_key, is_active)",
    f"CREATE INDEX users_user_seen_order ON users_user (({SEEN}), id) "
    "INCLUDE (search_key, is_active, last_login)",
]
SQLITE = [
    "CREATE INDEX users_user_name_order ON users_user (last_name, first_name, id)",
    "CREATE INDEX users_user_email_order ON users_user (email, id)",
    "CREATE INDEX users_user_seen_order ON users_user "
    "(COALESCE(last_login, '1970-01-01 00:00:00'), id)",
]
UNDO = [
    "DROP INDEX IF EXISTS users_user_name_order",
    "DROP INDEX IF EXISTS users_user_email_order",
    "DROP INDEX IF EXISTS users_user_seen_order",
]


def drop_blocks(apps, schema_editor):
    # Before the old column goes: the trigger depends on it.
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP_BLOCKS:
            schema_editor.execute(sql)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        for sql in SQLITE:
            schema_editor.execute(sql)
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'"
        )
        schema = cursor.fetchone()[0]
    schema_editor.execute(FOLD.format(schema=schema))
    for sql in POSTGRES:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in UNDO:
        schema_editor.execute(sql)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE users_user DROP COLUMN IF EXISTS search_key")
        schema_editor.execute("DROP FUNCTION IF EXISTS users_fold(text)")


class Migration(migrations.Migration):
    dependencies = [("users", "0013_search_blocks")]

    operations = [
        migrations.RunPython(drop_blocks, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="user", name="users_user_name_walk_idx"),
        migrations.RemoveIndex(model_name="user", name="users_user_email_walk_idx"),
        migrations.RemoveIndex(model_name="user", name="users_user_last_seen_walk_idx"),
        # The column stays until the next release (the version still running reads it);
        # its index goes now.
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="user", name="search_text")]
        ),
        UnaccentExtension(),
        migrations.RunPython(forwards, backwards),
    ]
