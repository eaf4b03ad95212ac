"""User-record tabs for a learner with a heavy history, side by side with an empty learner.

Target (issue "Scale"): every user-record tab p95 <= 100 ms for a learner with 1,000 access
grants and 100,000 content actions, with the same query count as for an empty learner.

    export DATABASE_URL=postgres://lms:lms@127.0.0.1:5432/lms_tabs
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --learners 1000000    # COPY, about 30 s, once
    .venv/bin/python bench/record_tabs.py [--runs 30]

The first run adds two learners and keeps them (later runs reuse them):
heavy-learner@bench.example, whose history the shared builder writes (lms/history, as for the
tests and the demo; sizes in HEAVY): 1,000 content items granted and 3,000 ended grants (plus
2 learning paths and a plan), 1,000 progress rows, 100,000 content actions over two years,
1,000 attempts, 500 certificates, 200 awards, 170 charges with their purchases and refunds,
subscriptions, cards, bulk purchases, a Panorama seat, 2,000 audit events, 50 e-mails,
invitations, impersonations and transcript exports; and empty-learner@bench.example with no
history at all. So that the tables are not only this
learner's (query plans depend on it), 20,000 other learners get 900,000 actions in the same
log (written in time order, so the heavy learner's rows are spread over the table as they
would be), 100,000 grants and progress rows, and 200,000 audit events. A few minutes, once.
Gamification is switched on so the Awards section is drawn.

Times full Django requests in-process (test client: middleware, view, queries, template) as
a superuser, DEBUG off, and prints p50/p95 and the query count of each tab for both learners
with PASS/FAIL. The transcript PDF is rendered by a Celery task (the request only queues
it), so it is not timed here; see bench/transcripts_pdf.py. Always exits 0: read the last
line.
"""

import argparse
import json
import random
import sys
import time
from datetime import timedelta

from harness import collect_static, percentile, setup_django

setup_django()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from access.models import AccessGrant  # noqa: E402
from activity.models import ActivitySettings, Attempt, Certificate  # noqa: E402
from engagement.models import ContentAction, Progress  # noqa: E402
from lms import history  # noqa: E402
from lms.history import Sizes  # noqa: E402
from users import selectors  # noqa: E402
from users.bulk_writes import copy_rows  # noqa: E402
from users.models import AuditEvent, User  # noqa: E402

HEAVY_EMAIL = "heavy-learner@bench.example"
EMPTY_EMAIL = "empty-learner@bench.example"
ADMIN_EMAIL = "bench-tabs-admin@school.example"
TARGET_MS = 100
CONTENT_ITEMS = 1_000
ACTIONS = 100_000
AUDIT_EVENTS = 2_000
HISTORY_DAYS = 730
# Everyone else, so the tables are not just this learner (plans depend on it): other learners'
# actions in the same log, in time order, and their grants, progress and audit events.
OTHER_LEARNERS = 20_000
OTHER_ACTIONS = 900_000
OTHER_ITEMS_EACH = 5
OTHER_AUDIT_EVENTS = 200_000


# The learners


def ensure_learners():
    """(heavy, empty): created on the first run in one transaction, reused afterwards."""
    heavy = User.objects.filter(email=HEAVY_EMAIL).first()
    if heavy is None:
        started = time.perf_counter()
        with transaction.atomic():
            heavy = build_heavy_learner(random.Random(2026))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have, long before
        print(f"created {HEAVY_EMAIL} in {time.perf_counter() - started:.1f} s")
    empty, _ = User.objects.get_or_create(
        email=EMPTY_EMAIL, defaults={"first_name": "Empty", "last_name": "Learner"}
    )
    return heavy, empty


def _copy(table, columns, rows):
    """COPY rows into a table (fast for the big append-only logs)."""
    with connection.cursor() as cursor:
        copy_rows(cursor.cursor, table, columns, rows)


HEAVY = Sizes(
    items=CONTENT_ITEMS,
    paths=2,
    plans=1,
    panoramas=1,
    assessments=50,
    attempts=1_000,
    certificates=500,
    awards=200,
    actions=ACTIONS,
    peer_actions=OTHER_ACTIONS,
    cards=3,
    charges=170,
    fields=2,
    audit=AUDIT_EVENTS,
    records=50,
    days=HISTORY_DAYS,
)


def build_heavy_learner(rng):
    """The heavy learner's history (the shared builder, lms/history), amid other learners'."""
    admin = bench_admin()
    heavy = User.objects.create_user(HEAVY_EMAIL, first_name="Heavy", last_name="Learner")
    others = list(
        User.objects.filter(is_superuser=False, is_staff=False)
        .exclude(pk=heavy.pk)
        .exclude(email=EMPTY_EMAIL)
        .order_by("id")
        .values_list("pk", flat=True)[:OTHER_LEARNERS]
    )
    made = history.build(HEAVY, learner=heavy, admin=admin, peers=others, rng=rng)
    _the_rest_of_the_school(made["contents"], others, admin, rng)
    return heavy


def _the_rest_of_the_school(contents, others, admin, rng):
    """Other learners' grants, progress and audit events in the same tables (plans see them)."""
    now = timezone.now()

    def ago(days):
        return now - timedelta(seconds=rng.uniform(0, days * 86400))

    _copy(
        AccessGrant._meta.db_table,
        ["user_id", "content_id", "source", "granted_at", "end_reason", "note"],
        (
            (pk, contents[(i * 131 + k) % CONTENT_ITEMS].pk, "manual", ago(HISTORY_DAYS), "", "")
            for i, pk in enumerate(others)
            for k in range(OTHER_ITEMS_EACH)
        ),
    )
    _copy(
        Progress._meta.db_table,
        [
            "learner_id",
            "content_id",
            "status",
            "percent",
            "time_spent",
            "last_activity_at",
            "completion_source",
        ],
        (
            (pk, contents[(i * 131 + k) % CONTENT_ITEMS].pk, "in_progress", 50, 600, ago(90), "")
            for i, pk in enumerate(others)
            for k in range(OTHER_ITEMS_EACH)
        ),
    )
    _copy(
        AuditEvent._meta.db_table,
        ["created_at", "actor_id", "actor_label", "real_actor_label", "subject_id", "action"]
        + ["changes", "subject_version", "note", "user_agent"],
        sorted(
            (
                (
                    ago(HISTORY_DAYS),
                    admin.pk,
                    admin.email,
                    "",
                    others[n % len(others)],
                    "user.updated",
                    json.dumps({"first_name": [f"Name{n}", f"Name{n + 1}"]}),
                    n + 1,
                    "",
                    "bench",
                )
                for n in range(OTHER_AUDIT_EVENTS if others else 0)
            ),
            key=lambda row: row[0],
        ),
    )


def bench_admin():
    admin, created = User.objects.get_or_create(
        email=ADMIN_EMAIL,
        defaults={"is_superuser": True, "is_staff": True, "first_name": "Bench"},
    )
    return admin


# The timings


def tab_urls(heavy, empty):
    """[(label, heavy url, empty url)]: every tab, plus the History's second page."""
    rows = []
    for label, url_name in selectors.record_tabs():
        rows.append(
            (
                label,
                reverse(url_name, kwargs={"user_id": heavy.pk}),
                reverse(url_name, kwargs={"user_id": empty.pk}),
            )
        )
        if url_name == "users:details":
            cursor = selectors.history_page(heavy).next_cursor
            rows.append(
                (
                    "Details, History page 2",
                    reverse(url_name, kwargs={"user_id": heavy.pk}) + f"?history={cursor}",
                    reverse(url_name, kwargs={"user_id": empty.pk}) + f"?history={cursor}",
                )
            )
        if url_name == "transcripts:tab":
            rows.append(
                (
                    "Transcript, with in progress",
                    reverse(url_name, kwargs={"user_id": heavy.pk}) + "?in_progress=1",
                    reverse(url_name, kwargs={"user_id": empty.pk}) + "?in_progress=1",
                )
            )
    return rows


def measure(client, url, runs):
    """(p50 ms, p95 ms, queries, response bytes) of GET url."""
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    size = len(response.content)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return percentile(samples, 0.5), percentile(samples, 0.95), len(statements), size


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL).")
    collect_static()
    heavy, empty = ensure_learners()
    row = ActivitySettings.load()
    if not row.gamification:
        row.gamification = True
        row.save()
    client = Client()
    client.force_login(bench_admin())
    print(
        f"heavy learner #{heavy.pk}: "
        f"{AccessGrant.objects.filter(user=heavy).count():,} grants, "
        f"{ContentAction.objects.filter(learner=heavy).count():,} actions, "
        f"{Attempt.objects.filter(learner=heavy).count():,} attempts, "
        f"{Certificate.objects.filter(learner=heavy).count():,} certificates, "
        f"{AuditEvent.objects.filter(subject=heavy).count():,} audit events; "
        f"users: {User.objects.count():,}; runs: {args.runs}; target p95 <= {TARGET_MS} ms"
    )
    header = (
        f"{'tab':30} | {'heavy p50':>9} {'p95':>7} {'queries':>7} {'KB':>5} | "
        f"{'empty p50':>9} {'p95':>7} {'queries':>7} | result"
    )
    print(header)
    print("-" * len(header))
    failures = []
    for label, heavy_url, empty_url in tab_urls(heavy, empty):
        h50, h95, hq, hsize = measure(client, heavy_url, args.runs)
        e50, e95, eq, _ = measure(client, empty_url, args.runs)
        problems = []
        if h95 > TARGET_MS:
            problems.append(f"p95 {h95:.0f} ms")
        if hq != eq:
            problems.append(f"queries {hq} vs {eq}")
        if problems:
            failures.append(f"{label} ({', '.join(problems)})")
        print(
            f"{label:30} | {h50:7.1f}ms {h95:5.1f}ms {hq:>7} {hsize / 1024:>5.0f} | "
            f"{e50:7.1f}ms {e95:5.1f}ms {eq:>7} | {'FAIL' if problems else 'PASS'}"
        )
    if failures:
        print(f"SUMMARY: FAIL: {len(failures)} tab(s) miss the target: " + "; ".join(failures))
    else:
        print(
            f"SUMMARY: PASS: every tab p95 <= {TARGET_MS} ms for the heavy learner, "
            "same query count as the empty learner"
        )


if __name__ == "__main__":
    main()
