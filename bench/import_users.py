"""Benchmark: import_users on a 100,000-row CSV (PostgreSQL).

What it does
    1. Writes a CSV of --rows learners (default 100,000) with every column filled in: names,
       phone, address, role, a reference field, a custom input (a choice) and a survey answer
       (a date), each by its key, and content grants on 1 row in --grant-every.
    2. Times `manage.py import_users` (in this process, via call_command) three times:
       --dry-run on an empty school, the real import (all rows new), and the same file again
       with every last name changed (all rows updated). Prints seconds and rows/s for each.

How to run (from the repository root; use a database of your own):
    export DATABASE_URL=postgres://lms:lms@127.0.0.1:5432/lms_ops
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/import_users.py              # 100,000 rows
    .venv/bin/python bench/import_users.py --rows 20000

It deletes the users whose e-mail ends in @bench.example before and after.
"""

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from access.models import Content  # noqa: E402
from batch import csv_rows  # noqa: E402
from users.field_services import choices_from_labels  # noqa: E402
from users.models import ProfileField, User  # noqa: E402

DOMAIN = "@bench.example"
FIRST = "Ada Alan Ana Ben Chen Chloe Diego Elena Emma Felix Grace Hana Ivan Jana Kai Lara".split()
LAST = "Adams Baker Costa Davis Garcia Hansen Ito Kim Lee Lopez Meyer Novak Park Silva".split()
CITIES = "Porto London Berlin Lyon Oslo Kyoto Austin Lima Accra Pune".split()


def write_csv(path, rows, grant_every, suffix=""):
    rng = random.Random(7)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            [
                *csv_rows.COLUMNS,
                "employee_id",
                "bench_country",
                "bench_start",
                "grants",
            ]
        )
        for n in range(rows):
            writer.writerow(
                [
                    f"Learner{n}{DOMAIN}",
                    rng.choice(FIRST),
                    rng.choice(LAST) + suffix,
                    f"+4420794{n % 100000:05d}" if n % 3 == 0 else "",
                    f"{n % 400} Main Street",
                    rng.choice(CITIES),
                    "",
                    f"{10000 + n % 90000}",
                    "UK",
                    "learner",
                    f"E-{n:06d}",
                    rng.choice(["Portugal", "Japan", "Peru"]),
                    f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}",
                    "bench-course@2099-12-31" if n % grant_every == 0 else "",
                ]
            )


def clean():
    """Delete the bench users and what the import made for them (raw SQL: a cascade is slow)."""
    bench_users = "SELECT id FROM users_user WHERE email LIKE %s"
    with transaction.atomic(), connection.cursor() as cursor:
        # The audit log is append-only for the app; a benchmark database is cleaned directly.
        for table, column in (
            ("users_auditevent", "subject_id"),
            ("access_accessgrant", "user_id"),
            ("users_profilevalue", "user_id"),
            ("users_user_groups", "user_id"),
            ("users_user", "id"),
        ):
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({bench_users})", ["%" + DOMAIN])


def timed(label, rows, *args):
    out = io.StringIO()
    start = time.perf_counter()
    cpu = time.process_time()
    call_command("import_users", *args, stdout=out, stderr=io.StringIO())
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    summary = out.getvalue().strip().splitlines()[-1]
    print(
        f"{label:<28} {seconds:6.1f} s  {rows / seconds:8,.0f} rows/s  "
        f"(this process's CPU {cpu:5.1f} s)  {summary}"
    )
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--grant-every", type=int, default=100)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (set DATABASE_URL).")
    Content.objects.get_or_create(slug="bench-course", defaults={"title": "Bench course"})
    ProfileField.objects.get_or_create(
        key="employee_id", defaults={"kind": "reference", "label": "Employee ID"}
    )
    ProfileField.objects.get_or_create(
        key="bench_country",
        defaults={
            "kind": "custom_input",
            "label": "Country of work (bench)",
            "field_type": "choice",
            "choices": choices_from_labels(["Portugal", "Japan", "Peru"]),
        },
    )
    ProfileField.objects.get_or_create(
        key="bench_start", defaults={"kind": "survey", "label": "Start", "field_type": "date"}
    )
    clean()
    with tempfile.TemporaryDirectory() as folder:
        first, second = Path(folder) / "new.csv", Path(folder) / "changed.csv"
        write_csv(first, args.rows, args.grant_every)
        write_csv(second, args.rows, args.grant_every, suffix="-Smith")
        grants = args.rows // args.grant_every + (1 if args.rows % args.grant_every else 0)
        print(
            f"{args.rows:,} rows ({first.stat().st_size / 1e6:.1f} MB), {grants:,} content grants"
            f", {os.cpu_count()} cores"
        )
        timed("dry run (all new)", args.rows, str(first), "--dry-run")
        timed("import (all new)", args.rows, str(first))
        timed("dry run (all changed)", args.rows, str(second), "--dry-run")
        timed("import (all changed)", args.rows, str(second))
        timed("import again (unchanged)", args.rows, str(second))
    assert User.objects.filter(email__endswith=DOMAIN).count() == args.rows
    clean()


if __name__ == "__main__":
    main()
