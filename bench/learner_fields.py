"""The learners list filtered on a learner field ("Cost centre = 4100"), against Django admin.

On a fresh database, as a new install would have it:

    export DATABASE_URL=postgres://lms:lms@127.0.0.1:5432/lms    # a PostgreSQL server
    .venv/bin/python bench/learner_fields.py --fresh --learners 1000000

`--fresh` drops and creates its own database (`<name>_fieldbench` next to DATABASE_URL's,
or `--database NAME`), migrates, runs `seed_demo --learners N`, defines two reference
fields and gives every learner a Cost centre (one of 20 choices) and an Employee ID
(COPY), lets three learners sign up with their answers, and measures with no ANALYZE of its
own (seed_demo analyses the users it loaded; the learner field values get none but what
autovacuum does). Without `--fresh` it measures the database DATABASE_URL names, defining
the two fields and their values once if they are missing.

Times full Django requests in-process (test client, DEBUG off: middleware, view, queries,
template) of Users > Learners filtered by one field's value (`?pf_field=<id>&pf_value=...`),
interleaved with Django admin's user changelist filtered the same way through its query
string (`?profile_values__field=<id>&profile_values__value=...`, a ModelAdmin registered in
this process only), both on the same database. Prints p50/p95 side by side, the ratio of the
p50s, our page's queries (the same count for one match and 50,000), our selector alone, and
whether the issue's target holds: p95 <= 50 ms at 1M learners.
"""

import argparse
import os
import random
import sys
import time
from urllib.parse import urlencode

from harness import ROOT, collect_static, percentile, setup_django


def fresh_database(argv):
    """With --fresh: point DATABASE_URL at a new, empty database of its own (dropped first)."""
    if "--fresh" not in argv:
        return None
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    name = argv[argv.index("--database") + 1] if "--database" in argv else None
    name = name or f"{url.path.lstrip('/') or 'lms'}_fieldbench"
    server = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{name}"))
    return name


FRESH = fresh_database(sys.argv)
setup_django()

from django.contrib import admin as django_admin  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from users import field_services, list_filters, selectors  # noqa: E402
from users.admin import UserAdmin  # noqa: E402
from users.models import ProfileField, ProfileValue, User  # noqa: E402


class FilterableUserAdmin(UserAdmin):
    """Django admin's user changelist, allowed to filter on learner field values from its
    query string (the stock one refuses lookups that are not in list_filter)."""

    def lookup_allowed(self, lookup, value, request=None):
        return lookup.startswith("profile_values__") or super().lookup_allowed(
            lookup, value, request
        )


# Before the URLconf is first read: admin.site.urls binds the registered ModelAdmins.
django_admin.site.unregister(User)
django_admin.site.register(User, FilterableUserAdmin)

CENTRES = [
    (str(4100 + 100 * n), name)
    for n, name in enumerate(
        "Finance Sales Legal Support Marketing Research Design Training Facilities Security "
        "Payroll Audit Logistics Quality Procurement Compliance Engineering Data Strategy "
        "Operations".split()
    )
]
CENTRE_KEY, EMPLOYEE_KEY = "bench-cost-centre", "bench-employee-id"
TARGET_P95_MS = 50
WARM_UP = 3


def define_fields():
    """The two reference fields (Cost centre: 20 choices; Employee ID: short text)."""
    choices = [{"key": key, "label": f"{name} {key}", "retired": False} for key, name in CENTRES]
    centre, _ = ProfileField.objects.get_or_create(
        key=CENTRE_KEY,
        defaults={
            "kind": ProfileField.Kind.REFERENCE,
            "label": "Cost centre",
            "field_type": ProfileField.Type.CHOICE,
            "choices": choices,
        },
    )
    employee, _ = ProfileField.objects.get_or_create(
        key=EMPLOYEE_KEY,
        defaults={"kind": ProfileField.Kind.REFERENCE, "label": "Employee ID", "position": 1},
    )
    return centre, employee


def load_values(centre, employee, rng):
    """Every learner's Cost centre and Employee ID, by COPY, in the users' id order."""
    learners = User.objects.filter(is_superuser=False, groups__isnull=True).order_by("id")
    ids = list(learners.values_list("id", flat=True))
    keys = [key for key, _ in CENTRES]
    sql = "COPY users_profilevalue (user_id, field_id, value, answered_at) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
        for pk in ids:
            copy.write_row((pk, centre.pk, rng.choice(keys), now))
            copy.write_row((pk, employee.pk, f"E{pk:08d}", now))
    return len(ids)


def three_sign_ups(centre, employee):
    """What a fresh install sees next: three learners sign up and staff set their fields
    (no ANALYZE after)."""
    from users import demo

    for number in range(3):
        user = User.objects.create_user(
            email=f"new.learner{number}@example.com",
            password=demo.LEARNER_PASSWORD,
            first_name="New",
            last_name=f"Learner{number}",
        )
        field_services.answers_write(user, {centre: "4100", employee: f"N{number:08d}"})


def _elapsed_ms(function):
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def timed_side_by_side(ours, admin, runs, admin_runs):
    """(ours p50, p95), (admin p50, p95), interleaved as in bench/search.py: each Django
    admin request is followed by a few untimed requests of ours, then its share of ours."""
    ours()
    admin()
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


def get(client, url):
    def run():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return run


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        get(client, url)()
    return len(queries)


def our_selector(params):
    """Our page's queries alone (the filters form and selectors.learner_page): no HTTP, no
    template: the floor under the request."""

    def run():
        filters = list_filters.ListFilterForm(params)
        selectors.learner_page(
            query=params.get("q", ""), sort=params.get("sort", ""), conditions=filters.conditions()
        )

    return run


def cases(centre, employee):
    """(label, our query string, Django admin's): a frequent value, a unique one, sorts."""
    someone = ProfileValue.objects.filter(field=employee).order_by("-user_id").first()
    frequent = {"pf_field": centre.pk, "pf_value": "4100"}
    unique = {"pf_field": employee.pk, "pf_value": someone.value}
    admin_frequent = {"profile_values__field": centre.pk, "profile_values__value": "4100"}
    admin_unique = {"profile_values__field": employee.pk, "profile_values__value": someone.value}
    return [
        ("Cost centre = 4100", frequent, admin_frequent),
        ("Cost centre = 4100, by name", {**frequent, "sort": "name"}, {**admin_frequent, "o": 3}),
        ("Cost centre, label typed", {**frequent, "pf_value": "Finance 4100"}, admin_frequent),
        ("Cost centre = 4100, by e-mail", {**frequent, "sort": "email"}, admin_frequent),
        ("Cost centre, last sign-in", {**frequent, "sort": "last_sign_in"}, admin_frequent),
        ("Cost centre, q=son", {**frequent, "q": "son"}, {**admin_frequent, "q": "son"}),
        ("Employee ID (one learner)", unique, admin_unique),
        ("Employee ID, by name", {**unique, "sort": "name"}, {**admin_unique, "o": 3}),
    ]


def prepare(args):
    """The database to measure: fresh (--fresh) or as it is, with the two fields' values."""
    from django.core.management import call_command

    start = time.perf_counter()
    if FRESH:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", learners=args.learners, verbosity=0)
        print(f"fresh database {FRESH}: migrated and seeded in {time.perf_counter() - start:.0f} s")
    centre, employee = define_fields()
    if not ProfileValue.objects.filter(field=centre).exists():
        start = time.perf_counter()
        loaded = load_values(centre, employee, random.Random(7))
        three_sign_ups(centre, employee)
        print(
            f"learner field values: {2 * loaded:,} rows copied in "
            f"{time.perf_counter() - start:.0f} s, three sign-ups, no ANALYZE"
        )
    return centre, employee


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--admin-runs", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="seed a new database first")
    parser.add_argument("--database", help="the database --fresh makes (dropped first)")
    parser.add_argument("--learners", type=int, default=1_000_000, help="--fresh: how many")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL (DATABASE_URL).")
    centre, employee = prepare(args)
    print("command: " + " ".join([os.path.relpath(sys.executable, ROOT), *sys.argv]))
    collect_static()
    users = User.objects.count()
    root, _ = User.objects.get_or_create(
        email="bench-root@school.example",
        defaults={"is_superuser": True, "is_staff": True, "first_name": "Bench"},
    )
    ours, admin = Client(), Client()
    ours.force_login(root)
    admin.force_login(root)
    print(
        f"users: {users:,}   learner field values: {ProfileValue.objects.count():,}   "
        f"runs: {args.runs} (ours), {args.admin_runs} (Django admin)   whole requests "
        "unless named otherwise"
    )
    header = (
        f"{'filter':30} {'matches':>8} | {'ours p50':>8} {'p95':>7} | {'admin p50':>9} "
        f"{'p95':>8} | {'ratio':>6} | {'queries':>7} | {'selector':>8} | target"
    )
    print(header)
    print("-" * len(header))
    misses, counts = [], {}
    for label, params, admin_params in cases(centre, employee):
        url = f"/manage/users/learners/?{urlencode(params)}"
        filters = list_filters.ListFilterForm({k: str(v) for k, v in params.items()})
        assert not filters.errors, filters.errors
        matches = selectors.narrowed(User.objects.filter(is_active=True), filters.conditions())
        matches = selectors.learner_search(matches, params.get("q", "")).count()
        (p50, p95), (admin_p50, admin_p95) = timed_side_by_side(
            get(ours, url),
            get(admin, f"/django-admin/users/user/?{urlencode(admin_params)}"),
            args.runs,
            args.admin_runs,
        )
        queries = queries_of(ours, url)
        counts[label] = queries
        floor = percentile([_elapsed_ms(our_selector(params)) for _ in range(args.runs)], 0.5)
        met = p95 <= TARGET_P95_MS
        if not met:
            misses.append(label)
        print(
            f"{label:30} {matches:>8,} | {p50:>6.1f}ms {p95:>5.1f}ms | {admin_p50:>7.1f}ms "
            f"{admin_p95:>6.1f}ms | {admin_p50 / p50:>5.0f}x | {queries:>7} | {floor:>6.1f}ms | "
            f"{'met' if met else 'MISSED'}"
        )
    same = [
        counts["Cost centre = 4100"] == counts["Employee ID (one learner)"],
        counts["Cost centre = 4100, by name"] == counts["Employee ID, by name"],
    ]
    print(
        "queries: "
        + ("the same" if all(same) else "NOT the same")
        + " for one matching learner and one in twenty"
    )
    print(
        f"target p95 <= {TARGET_P95_MS} ms (at 1M learners): "
        + ("all met" if not misses else f"missed for {', '.join(misses)}")
    )


if __name__ == "__main__":
    main()
