"""Writing many rows at once: COPY on PostgreSQL (tens of thousands of rows a second),
Django's bulk_create and bulk_update elsewhere and for a handful of rows. The CSV import and
the Details service (users/details.py) write through these."""

from django.db import connection

BATCH = 2000
PROGRESS_EVERY = 10_000
# Fewer rows than this are updated with one plain UPDATE (a Details save, a small import).
COPY_FROM = 100


def chunks(items, size=BATCH):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _columns(model, names):
    return [model._meta.get_field(name).column for name in names]


def copy_rows(cursor, table, columns, rows):
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _prepared(value):
    if isinstance(value, dict):
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return value


def insert(model, rows, *, returning_ids=False, progress=None, label=""):
    """Insert dict rows (attname: value; others take the field's default); ids if asked."""
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    defaults = {f.attname: f.get_default() for f in fields}
    if connection.vendor != "postgresql":
        objects = model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH)
        return [obj.pk for obj in objects]
    names = [f.attname for f in fields]
    ids = []
    with connection.cursor() as cursor:
        if returning_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        columns = ([model._meta.pk.column] if returning_ids else []) + _columns(model, names)
        for start in range(0, len(rows), PROGRESS_EVERY):
            chunk = rows[start : start + PROGRESS_EVERY]
            copy_rows(
                cursor.cursor,
                model._meta.db_table,
                columns,
                (
                    ([ids[start + n]] if returning_ids else [])
                    + [_prepared(row.get(name, defaults[name])) for name in names]
                    for n, row in enumerate(chunk)
                ),
            )
            if progress:
                progress(f"Created {start + len(chunk):,} of {len(rows):,} {label}")
    return ids


def update(model, names, rows, *, progress=None, label=""):
    """Set `names` on each [pk, *values] row: one UPDATE from a COPY-filled temporary table."""
    if not rows:
        return
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM:
        objects = [model(pk=row[0], **dict(zip(names, row[1:], strict=True))) for row in rows]
        model.objects.bulk_update(objects, names, batch_size=BATCH)
        return
    # Every identifier below comes from the model's own metadata, quoted; values go by COPY.
    quote = connection.ops.quote_name
    table, temp = model._meta.db_table, f"import_{model._meta.db_table}"
    pk = model._meta.pk.column
    columns = [pk, *_columns(model, names)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {quote(temp)} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)} WITH NO DATA"
        )
        copy_rows(cursor.cursor, temp, columns, rows)
        assignments = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in columns[1:])
        cursor.execute(
            f"UPDATE {quote(table)} AS t SET {assignments} FROM {quote(temp)} AS s "  # noqa: S608
            f"WHERE t.{quote(pk)} = s.{quote(pk)}"
        )
        cursor.execute(f"DROP TABLE {quote(temp)}")
    if progress:
        progress(f"Updated {len(rows):,} {label}")
