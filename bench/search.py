"""Learner search at scale: our Learners page against Django admin's changelist, one run.

On a fresh database, as a new install would have it (the README's table):

    export DATABASE_URL=postgres://lms:lms@127.0.0.1:5432/lms    # any database: a server
    .venv/bin/python bench/search.py --fresh --learners 1000000

`--fresh` drops and creates its own database (`<name>_searchbench` next to DATABASE_URL's,
or `--database NAME`), migrates, runs `seed_demo --learners N`, lets three learners sign
up, and measures, with no ANALYZE of its own (seed_demo analyses what it loaded). Without
`--fresh` it measures the database DATABASE_URL names as it is.

Times full Django requests in-process (test client: middleware, view, queries, template)
for each kind of query, interleaved with Django admin's user changelist (both see the same
moments of a noisy machine), prints p50/p95 side by side with it
(`search_fields = email, first_name, last_name`, its default order), the ratio of the
p50s, and our page's queries alone (the selector: the floor under the request), and
whether the issue's targets are met: in the default (relevance) order p95 <= 50 ms, and
at 1M learners >= 50x Django admin; sorted by a column, p95 <= 300 ms at 1M.
`--wrk` also runs wrk (4 connections, 30 s) against gunicorn for the learner list and a
user-record tab (apt-get install wrk first).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from harness import ROOT, STATIC_ROOT, collect_static, percentile, setup_django


def fresh_database(argv):
    """With --fresh: point DATABASE_URL at a new, empty database of its own (dropped first)."""
    if "--fresh" not in argv:
        return None
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    name = argv[argv.index("--database") + 1] if "--database" in argv else None
    name = name or f"{url.path.lstrip('/') or 'lms'}_searchbench"
    server = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{name}"))
    return name


FRESH = fresh_database(sys.argv)
setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from users import list_filters, selectors  # noqa: E402
from users.models import User  # noqa: E402


def timed(function, runs):
    function()  # warm
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return percentile(samples, 0.5), percentile(samples, 0.95)


WARM_UP = 3


def timed_side_by_side(ours, admin, runs, admin_runs):
    """(ours p50, p95), (admin p50, p95), interleaved: each Django admin request is
    followed by its share of ours, so both sample the same moments of a shared, noisy
    machine (timed in one burst, 30 fast requests could fall in one second of noise).
    A few untimed requests of ours come first in each share: Django admin's scan of the
    table leaves the CPU caches and the heap full of its own work, which a server serving
    searches would not see between two of them."""
    admin()  # warm
    ours_samples, admin_samples = [], []
    for turn in range(admin_runs):
        admin_samples.append(_elapsed_ms(admin))
        for _ in range(WARM_UP):
            ours()
        share = runs // admin_runs + (1 if turn < runs % admin_runs else 0)
        ours_samples.extend(_elapsed_ms(ours) for _ in range(share))
    return (
        (percentile(ours_samples, 0.5), percentile(ours_samples, 0.95)),
        (percentile(admin_samples, 0.5), percentile(admin_samples, 0.95)),
    )


def _elapsed_ms(function):
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def get(client, url):
    def run():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return run


def our_queries(query, sort):
    """Our page's queries alone (selectors.learner_page, with the page's learners-only
    condition): no HTTP, no template."""
    learners_only = list_filters.ListFilterForm({}).conditions()

    def run():
        selectors.learner_page(query=query, sort=sort, conditions=learners_only)

    return run


def count_matches(query):
    return selectors.learner_search(User.objects.all(), query).count()


def rare_fragment(start, learners):
    """Five letters of a surname few learners share (under 0.1%), taken from the data."""
    rare = max(1_000, learners // 1_000)
    for user in User.objects.filter(pk__gte=start).exclude(last_name="")[:200]:
        fragment = user.last_name.lower()[1:6]
        if len(fragment) == 5 and 0 < count_matches(fragment) < rare:
            return fragment
    return "zzzzz"


# (label, query, sort, target: "relevance", "column" or None)
def queries_for_this_data(learners):
    """Each kind of query the issue names, taken from the data (a learner in the middle)."""
    middle_id = User.objects.order_by("-id").values_list("id", flat=True).first() // 2
    middle = User.objects.filter(pk__gte=middle_id).first()
    accented = {"Zoe": "Zoë", "Ines": "Inès", "Jose": "José", "Chloe": "Chloé"}
    first = next(name for name in accented if User.objects.filter(first_name=name).exists())
    return [
        ("exact e-mail", middle.email, "", "relevance"),
        ("exact name (first last)", f"{middle.first_name} {middle.last_name}", "", "relevance"),
        ("name last-first", f"{middle.last_name} {middle.first_name}", "", "relevance"),
        ("rare fragment (5 letters)", rare_fragment(middle_id, learners), "", "relevance"),
        ("no match", "qxzjv", "", "relevance"),
        ("frequent fragment (son)", "son", "", "relevance"),
        ("2 characters (er)", "er", "", "relevance"),
        (f"accented ({accented[first]})", accented[first], "", "relevance"),
        ("son, sorted by name", "son", "name", "column"),
        ("son, sorted by e-mail", "son", "email", "column"),
        ("son, sorted by last sign-in", "son", "last_sign_in", "column"),
        ("no query (first page)", "", "name", None),
    ]


# wrk's own summary has no p95 and counts errors in several places: one line with both.
WRK_REPORT = Path(__file__).with_name("wrk_report.lua")
TARGET_P95_MS = {"relevance": 50, "column": 300}
TARGET_RATIO = 50  # at 1M learners, in the relevance order


def three_sign_ups():
    """What a fresh install sees next: three learners sign up (no ANALYZE after)."""
    from users import demo

    for number in range(3):
        user = User.objects.create_user(
            email=f"new.learner{number}@example.com",
            password=demo.LEARNER_PASSWORD,
            first_name="New",
            last_name=f"Learner{number}",
        )
        user.last_login = user.date_joined
        user.save(update_fields=["last_login"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--admin-runs", type=int, default=5)
    parser.add_argument("--wrk", action="store_true")
    parser.add_argument("--wrk-seconds", type=int, default=30)
    parser.add_argument("--wrk-only", action="store_true", help="skip the timing table")
    parser.add_argument("--fresh", action="store_true", help="seed a new database first")
    parser.add_argument("--database", help="the database --fresh makes (dropped first)")
    parser.add_argument("--learners", type=int, default=1_000_000, help="--fresh: how many")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL).")
    if FRESH:
        from django.core.management import call_command

        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("seed_demo", learners=args.learners, verbosity=0)
        three_sign_ups()
        print(f"fresh database {FRESH}: migrated and seeded in {time.perf_counter() - start:.0f} s")
    print("command: " + " ".join([os.path.relpath(sys.executable, ROOT), *sys.argv]))
    collect_static()
    learners = User.objects.count()  # once, to print the size
    root, _ = User.objects.get_or_create(
        email="bench-root@school.example",
        defaults={"is_superuser": True, "is_staff": True, "first_name": "Bench"},
    )
    ours, admin = Client(), Client()
    ours.force_login(root)
    admin.force_login(root)
    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    print(
        f"users: {learners:,}   runs: {args.runs} (ours), {args.admin_runs} (Django admin, "
        f"planner)   PostgreSQL shared_buffers: {buffers}   times are whole requests "
        "unless named otherwise"
    )
    header = (
        f"{'query':29} {'matches':>9} | {'ours p50':>8} {'p95':>7} | {'admin p50':>9} "
        f"{'p95':>7} | {'ratio':>6} | {'our SQL+ORM':>11} | target"
    )
    print(header)
    print("-" * len(header))
    misses = []
    for label, query, sort, target in [] if args.wrk_only else queries_for_this_data(learners):
        matches = count_matches(query) if query else learners
        (ours_p50, ours_p95), (admin_p50, admin_p95) = timed_side_by_side(
            get(ours, f"/manage/users/learners/?{urlencode({'q': query, 'sort': sort})}"),
            get(admin, f"/django-admin/users/user/?{urlencode({'q': query})}"),
            args.runs,
            args.admin_runs,
        )
        floor_p50, _ = timed(our_queries(query, sort), args.runs)
        ratio = admin_p50 / ours_p50
        verdict = "-"
        at_1m = 900_000 <= learners < 2_000_000
        if target == "relevance" or (target == "column" and at_1m):
            # The issue: relevance p95 <= 50 ms at any size, >= 50x Django admin at 1M;
            # sorted by a column p95 <= 300 ms at 1M (at 5M: reported, no target).
            met = ours_p95 <= TARGET_P95_MS[target]
            if target == "relevance" and at_1m:
                met = met and ratio >= TARGET_RATIO
            verdict = "met" if met else "MISSED"
            if not met:
                misses.append(label)
        print(
            f"{label:29} {matches:>9,} | {ours_p50:>6.1f}ms {ours_p95:>5.1f}ms | "
            f"{admin_p50:>7.1f}ms {admin_p95:>5.1f}ms | {ratio:>5.0f}x | {floor_p50:>9.1f}ms | "
            f"{verdict}"
        )
    if not args.wrk_only:
        print(
            "targets: relevance order p95 <= 50 ms (and >= 50x Django admin's p50 at 1M), "
            "sorted by a column p95 <= 300 ms at 1M: "
            + ("all met" if not misses else f"missed for {', '.join(misses)}")
        )
    if args.wrk:
        run_wrk(root, args.wrk_seconds)


def run_wrk(root, seconds):
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk); skipping the load run")
        return
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(root.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = root.get_session_auth_hash()
    store.create()
    # As deployed (.env.example): connections kept between requests. With 0, every request
    # would also pay for a new connection and a backend with cold catalog caches.
    env = {**os.environ, "STATIC_ROOT": str(STATIC_ROOT), "CONN_MAX_AGE": "60"}
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
            ("learner list, first page", "/manage/users/learners/"),
            ("Details tab", f"/manage/users/{learner.pk}/details/"),
        ]:
            output = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    "-c4",
                    f"-d{seconds}s",
                    "-s",
                    str(WRK_REPORT),
                    "-H",
                    f"Cookie: {settings.SESSION_COOKIE_NAME}={store.session_key}",
                    f"http://127.0.0.1:8077{path}",
                ],
                capture_output=True,
                text=True,
            ).stdout
            report = next(
                (line for line in output.splitlines() if line.startswith("report ")), output
            )
            print(f"wrk {label:26} {report.removeprefix('report ')}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
