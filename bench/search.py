"""Learner search at scale: our Learners page against Django admin's changelist, one run.

Needs PostgreSQL with many learners (the numbers in the README are at 1,000,000):

    export DATABASE_URL=postgres://lms:lms@127.0.0.1:5432/lms_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --learners 1000000     # COPY, about 1-2 minutes
    .venv/bin/python bench/search.py [--runs 20] [--admin-runs 5] [--wrk]

Times full Django requests in-process (test client: middleware, view, queries, template)
for each kind of query, prints p50/p95 side by side with Django admin's user changelist
(`search_fields = email, first_name, last_name`) and with the raw SQL of our page query,
and the ratios. `--wrk` also runs wrk (4 connections, 30 s) against gunicorn for the
learner list and a user-record tab (apt-get install wrk first).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STATIC_ROOT = Path(tempfile.gettempdir()) / "lms-bench-static"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
os.environ.update(
    DEBUG="false",
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" + "k" * 60),
    SECURE_SSL_REDIRECT="false",
    SESSION_COOKIE_SECURE="false",
    CSRF_COOKIE_SECURE="false",
    ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from users import selectors  # noqa: E402
from users.models import User  # noqa: E402


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(function, runs):
    function()  # warm
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return percentile(samples, 0.5), percentile(samples, 0.95)


def get(client, url):
    def run():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return run


def raw_sql(query):
    page = selectors.learner_search(User.objects.filter(is_active=True), query)
    sql, params = page.order_by("last_name", "first_name", "id")[:51].query.sql_with_params()

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return run


def count_matches(query):
    return selectors.learner_search(User.objects.all(), query).count()


def queries_for_this_data():
    """One query of each kind, taken from the data (a learner in the middle of the table)."""
    middle = User.objects.filter(pk__gte=User.objects.order_by("-id").first().pk // 2).first()
    return [
        ("exact e-mail", middle.email),
        ("rare name (first last)", f"{middle.first_name} {middle.last_name}"),
        ("rare 4 characters", middle.last_name.lower()[1:5]),
        ("no match", "qxzjv"),
        ("common 3 characters (ann)", "ann"),
        ("common 3 characters (son)", "son"),
        ("2 characters (li)", "li"),
        ("no query (first page)", ""),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--admin-runs", type=int, default=5)
    parser.add_argument("--wrk", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL).")
    STATIC_ROOT.mkdir(exist_ok=True)
    settings.STATIC_ROOT = STATIC_ROOT
    call_command("collectstatic", "--noinput", verbosity=0)
    learners = User.objects.count()  # once, to print the size
    root, _ = User.objects.get_or_create(
        email="bench-root@school.example",
        defaults={"is_superuser": True, "is_staff": True, "first_name": "Bench"},
    )
    ours, admin = Client(), Client()
    ours.force_login(root)
    admin.force_login(root)
    print(
        f"users: {learners:,}   runs: {args.runs} (ours, raw SQL), {args.admin_runs} (Django admin)"
    )
    header = (
        f"{'query':30} {'matches':>9} | {'ours p50':>9} {'p95':>8} | {'admin p50':>10} "
        f"{'p95':>8} | {'ratio p50':>9} | {'raw SQL p50':>11}"
    )
    print(header)
    print("-" * len(header))
    worst_ratio = None
    for label, query in queries_for_this_data():
        matches = count_matches(query) if query else learners
        ours_p50, ours_p95 = timed(get(ours, f"/manage/users/learners/?q={query}"), args.runs)
        admin_p50, admin_p95 = timed(
            get(admin, f"/django-admin/users/user/?q={query}"), args.admin_runs
        )
        raw_p50, _ = timed(raw_sql(query), args.runs)
        ratio = admin_p50 / ours_p50
        worst_ratio = ratio if worst_ratio is None else min(worst_ratio, ratio)
        print(
            f"{label:30} {matches:>9,} | {ours_p50:>7.1f}ms {ours_p95:>6.1f}ms | "
            f"{admin_p50:>8.1f}ms {admin_p95:>6.1f}ms | {ratio:>8.0f}x | {raw_p50:>9.2f}ms"
        )
    print(f"worst ratio (Django admin / ours, p50): {worst_ratio:.0f}x")
    if args.wrk:
        run_wrk(root)


def run_wrk(root):
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk); skipping the load run")
        return
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(root.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = root.get_session_auth_hash()
    store.create()
    env = {**os.environ, "STATIC_ROOT": str(STATIC_ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "lms.wsgi", "-b", "127.0.0.1:8077", "-w", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)
        learner = User.objects.filter(groups__isnull=True).order_by("id").first()
        for label, path in [
            ("learner list, q=son", "/manage/users/learners/?q=son"),
            ("Details tab", f"/manage/users/{learner.pk}/details/"),
        ]:
            output = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    "-c4",
                    "-d30s",
                    "--latency",
                    "-H",
                    f"Cookie: {settings.SESSION_COOKIE_NAME}={store.session_key}",
                    f"http://127.0.0.1:8077{path}",
                ],
                capture_output=True,
                text=True,
            ).stdout
            lines = [
                line.strip()
                for line in output.splitlines()
                if "Requests/sec" in line
                or "99%" in line
                or "90%" in line
                or "Non-2xx" in line
                or "requests in" in line
            ]
            print(
                f"wrk {label}: "
                + " | ".join(lines)
                + (" | errors: none" if "Non-2xx" not in output else "")
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
