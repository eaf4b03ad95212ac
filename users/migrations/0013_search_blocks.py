"""Search blocks (users/searchblocks.py): per stretch of the name order, the 3- and 4-letter
pieces of its learners' search text; and the users changed since they were built.
PostgreSQL only; SQLite searches without them."""

from django.db import migrations

CREATE = [
    """
    CREATE TABLE users_searchblock (
        position integer PRIMARY KEY,
        start_last text NOT NULL,
        start_first text NOT NULL,
        start_id bigint NOT NULL,
        end_last text NOT NULL,
        end_first text NOT NULL,
        end_id bigint NOT NULL,
        grams text[] NOT NULL
    )
    """,
    "CREATE INDEX users_searchblock_grams ON users_searchblock USING gin (grams)",
    "CREATE SEQUENCE users_searchdirty_mark",
    "CREATE TABLE users_searchdirty (user_id bigint PRIMARY KEY, mark bigint NOT NULL)",
    """
    CREATE FUNCTION users_mark_search_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO users_searchdirty (user_id, mark)
        VALUES (NEW.id, nextval('users_searchdirty_mark'))
        ON CONFLICT (user_id) DO UPDATE SET mark = EXCLUDED.mark;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER users_search_dirty_insert AFTER INSERT ON users_user
    FOR EACH ROW EXECUTE FUNCTION users_mark_search_dirty()
    """,
    """
    CREATE TRIGGER users_search_dirty_update AFTER UPDATE ON users_user
    FOR EACH ROW WHEN (
        OLD.search_text IS DISTINCT FROM NEW.search_text
        OR OLD.last_name IS DISTINCT FROM NEW.last_name
        OR OLD.first_name IS DISTINCT FROM NEW.first_name
    )
    EXECUTE FUNCTION users_mark_search_dirty()
    """,
]
DROP = [
    "DROP TRIGGER IF EXISTS users_search_dirty_update ON users_user",
    "DROP TRIGGER IF EXISTS users_search_dirty_insert ON users_user",
    "DROP FUNCTION IF EXISTS users_mark_search_dirty()",
    "DROP TABLE IF EXISTS users_searchdirty",
    "DROP SEQUENCE IF EXISTS users_searchdirty_mark",
    "DROP TABLE IF EXISTS users_searchblock",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in CREATE:
        schema_editor.execute(sql)
    # The blocks were first built here by app code (since removed); 0014 drops them.


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("users", "0012_search_text")]

    operations = [migrations.RunPython(create, drop)]
