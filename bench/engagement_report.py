"""Benchmark: the Content Actions Log on a big log (PostgreSQL only).

What it does
    1. Builds a content actions log with COPY (indexes dropped during the load, then rebuilt):
       --rows rows (default 1,000,000; the issue's full size is --rows 10000000), spread over
       many learners, one of whom (bench-heavy@bench.example) holds 100,000 actions; 1% of the
       rows were done while impersonating.
    2. Times full requests through the Django test client (middleware, gate, form, selector,
       template) for the report's first page, a page filtered to the heavy learner, a
       filtered + action + date-range page and a deep page reached by cursor, each side by side
       with the same SQL run raw on the same connection: p50 / p95 over --repeat runs (plus the
       request's CPU time, which a busy machine inflates less than wall time).
    3. Exports about 1,000,000 rows (the whole log at the default size; the newest rows,
       by a date filter, at 10M) as CSV in a child process and prints its peak RSS
       (resource.getrusage) before and after, to show the export streams in bounded memory.

How to run (from the repository root; use a database of your own, it is rebuilt):
    export DATABASE_URL=postgres://lms:lms@127.0.0.1:5432/lms_engagement
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/engagement_report.py                  # 1,000,000 rows
    .venv/bin/python bench/engagement_report.py --rows 10000000  # the full size
    .venv/bin/python bench/engagement_report.py --reuse          # skip the build if sized right

It deletes every row of engagement_contentaction in that database before building.
"""

import argparse
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
# Production-like: DEBUG off (cached templates, no query log), plain HTTP for the test client.
os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "False")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# No collectstatic here: plain static storage instead of the manifest one.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from access.models import Content  # noqa: E402
from engagement.models import ContentAction  # noqa: E402
from users.models import User  # noqa: E402
from users.roles import GROUP_NAMES, Role  # noqa: E402

HEAVY_EMAIL = "bench-heavy@bench.example"
ADMIN_EMAIL = "bench-admin@bench.example"
HEAVY_ACTIONS = 100_000
EXPORT_ROWS = 1_000_000
CONTENTS = 200
URL = "/manage/reports/content-actions/"
ACTIONS = (
    ["viewed"] * 40
    + ["progressed"] * 30
    + ["started"] * 10
    + ["completed"] * 8
    + ["downloaded"] * 7
    + ["assessment_submitted"] * 5
)
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 24 * 3600


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_people(learners):
    admin = User.objects.filter(email=ADMIN_EMAIL).first()
    if admin is None:
        admin = User.objects.create_user(ADMIN_EMAIL, password=None)
        admin.groups.add(Group.objects.get(name=GROUP_NAMES[Role.ADMIN]))
    heavy = User.objects.filter(email=HEAVY_EMAIL).first() or User.objects.create_user(
        HEAVY_EMAIL, password=None
    )
    have = User.objects.filter(email__startswith="bench-learner-").count()
    User.objects.bulk_create(
        [
            User(email=f"bench-learner-{n}@bench.example", password="!")
            for n in range(have, learners)
        ],
        batch_size=5000,
    )
    ids = list(
        User.objects.filter(email__startswith="bench-learner-")
        .order_by("pk")
        .values_list("pk", flat=True)[:learners]
    )
    Content.objects.bulk_create(
        [Content(title=f"Bench course {n}", slug=f"bench-course-{n}") for n in range(CONTENTS)],
        ignore_conflicts=True,
    )
    contents = list(
        Content.objects.filter(slug__startswith="bench-course-").values_list("pk", flat=True)
    )
    return admin, heavy, ids, contents


def build(rows, *, admin, heavy, learner_ids, content_ids):
    """TRUNCATE, drop the indexes, COPY the rows in, rebuild the indexes, ANALYZE."""
    table = ContentAction._meta.db_table
    indexes = ContentAction._meta.indexes
    rng = random.Random(42)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table} RESTART IDENTITY")
        for index in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{index.name}"')
        # Foreign keys are checked row by row during COPY: drop them, add them back after.
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign_keys = cursor.fetchall()
        for name, _ in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    heavy_every = max(1, rows // HEAVY_ACTIONS)
    columns = "learner_id, content_id, action, occurred_at, details, real_actor_id"
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        buffer = []
        for n in range(rows):
            learner = heavy.pk if n % heavy_every == 0 else rng.choice(learner_ids)
            moment = START + timedelta(seconds=n * SPAN_SECONDS // rows, microseconds=n % 997)
            actor = str(admin.pk) if rng.random() < 0.01 else "\\N"
            buffer.append(
                f"{learner}\t{rng.choice(content_ids)}\t{rng.choice(ACTIONS)}\t"
                f"{moment.isoformat()}\t{{}}\t{actor}\n"
            )
            if len(buffer) == 20000:
                copy.write("".join(buffer))
                buffer.clear()
                if n % 1_000_000 < 20000:
                    print(f"  copied {n + 1:,} rows", flush=True)
        copy.write("".join(buffer))
    loaded = time.perf_counter()
    with connection.cursor() as cursor:
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    with connection.schema_editor() as editor:
        for index in indexes:
            editor.add_index(ContentAction, index)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
    print(
        f"  COPY {rows:,} rows: {loaded - started:.1f} s; "
        f"foreign keys + indexes + ANALYZE: {time.perf_counter() - loaded:.1f} s"
    )


def percentiles(samples):
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def page_sql(client, params):
    """The page's main query (the LIMIT 51 one on the log), as run."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200, response.status_code
    main = [
        query["sql"]
        for query in queries
        if "engagement_contentaction" in query["sql"] and "LIMIT 51" in query["sql"]
    ]
    return main[0], len(queries), response


def time_requests(client, params, repeat):
    """Wall-clock and CPU (this process: Django + template) percentiles of full requests."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(URL, params)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    return (*percentiles(wall), percentiles(cpu)[0])


def time_sql(sql, repeat):
    samples = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def plan_of(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        lines = [row[0].strip() for row in cursor.fetchall()]
    return next((line for line in lines if "Index" in line), lines[0])[:110]


NEXT = re.compile(r'cursor=([\w-]+)" rel="next"')


def next_cursor(client, params):
    return NEXT.search(client.get(URL, params).content.decode()).group(1)


def measure_pages(repeat, heavy):
    client = Client()
    client.force_login(User.objects.get(email=ADMIN_EMAIL))
    client.get(URL)  # warm up
    today = datetime.now(UTC).date()
    cursor = next_cursor(client, {"email": heavy.email})
    for _ in range(200):  # 200 pages deep: ~10,000 rows into the heavy learner's history
        cursor = next_cursor(client, {"email": heavy.email, "cursor": cursor})
    scenarios = [
        ("first page, no filter", {}),
        ("learner (100k actions)", {"email": heavy.email}),
        (
            "learner + action + dates",
            {
                "email": heavy.email,
                "action": "completed",
                "date_from": "2024-06-01",
                "date_to": today.isoformat(),
            },
        ),
        ("learner, page 201", {"email": heavy.email, "cursor": cursor}),
        ("impersonated only", {"impersonated": "only"}),
    ]
    print(f"\nReport pages, {repeat} full requests each (ms)")
    print(
        f"{'scenario':<28} {'queries':>7} {'request p50':>12} {'p95':>8} {'CPU p50':>8}"
        f" {'raw SQL p50':>12} {'p95':>8}"
    )
    for name, params in scenarios:
        sql, queries, _ = page_sql(client, params)
        request_p50, request_p95, cpu_p50 = time_requests(client, params, repeat)
        sql_p50, sql_p95 = time_sql(sql, repeat)
        print(
            f"{name:<28} {queries:>7} {request_p50:>12.1f} {request_p95:>8.1f} {cpu_p50:>8.1f} "
            f"{sql_p50:>12.2f} {sql_p95:>8.2f}"
        )
        print(f"    plan: {plan_of(sql)}")


def measure_export():
    """In a child started before the build (so it inherits no peak): stream ~1M rows."""
    line = sys.stdin.readline()  # the parent sends the date to export from once the log is built
    if not line.strip():
        return
    client = Client()
    client.force_login(User.objects.get(email=ADMIN_EMAIL))
    client.get(URL)
    before = rss_mib()
    started = time.perf_counter()
    params = {"export": "csv", "impersonated": "include"}
    if line.strip() != "all":
        params["date_from"] = line.strip()
    response = client.get(URL, params)
    lines = size = 0
    for chunk in response.streaming_content:
        lines += 1
        size += len(chunk)
    seconds = time.perf_counter() - started
    after = rss_mib()
    print(
        f"  {lines - 1:,} rows, {size / 2**20:,.0f} MiB of CSV in {seconds:.1f} s "
        f"({(lines - 1) / seconds:,.0f} rows/s); peak RSS {before:.0f} MiB before, "
        f"{after:.0f} MiB after (+{after - before:.0f} MiB)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep the log if it has --rows rows")
    parser.add_argument("--export-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL.")
    if args.export_only:
        measure_export()
        return
    # Started now, while this process is small: ru_maxrss survives fork + exec.
    exporter = subprocess.Popen([sys.executable, __file__, "--export-only"], stdin=subprocess.PIPE)
    learners = max(1000, args.rows // 100)
    print(f"Content Actions Log benchmark: {args.rows:,} rows, {learners:,} learners")
    admin, heavy, learner_ids, content_ids = ensure_people(learners)
    table = ContentAction._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{table}'")
        estimate = cursor.fetchone()[0]
    if args.reuse and abs(estimate - args.rows) < args.rows * 0.02:
        print(f"  reusing the log (~{estimate:,} rows)")
    else:
        build(args.rows, admin=admin, heavy=heavy, learner_ids=learner_ids, content_ids=content_ids)
    print(f"  heavy learner: {ContentAction.objects.filter(learner=heavy).count():,} actions")
    measure_pages(args.repeat, heavy)
    if args.rows <= EXPORT_ROWS:
        since = "all"
        print("\nCSV export of the whole log (a separate process)", flush=True)
    else:
        moment = START + timedelta(seconds=SPAN_SECONDS * (1 - EXPORT_ROWS / args.rows))
        since = (moment.date() + timedelta(days=1)).isoformat()
        print(f"\nCSV export of the rows since {since} (a separate process)", flush=True)
    exporter.communicate(f"{since}\n".encode())


if __name__ == "__main__":
    main()
