"""User-record tabs for a learner with a heavy history, side by side with an empty learner.

Target (issue "Scale"): every user-record tab p95 <= 100 ms for a learner with 1,000 access
grants and 100,000 content actions, with the same query count as for an empty learner.

    export DATABASE_URL=postgres://lms:lms@127.0.0.1:5432/lms_tabs
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --learners 1000000    # COPY, about 30 s, once
    .venv/bin/python bench/record_tabs.py [--runs 30]

The first run adds two learners and keeps them (later runs reuse them):
heavy-learner@bench.example with 1,000 content items granted (plus 2 learning paths and a
plan), 1,000 progress rows, 100,000 content actions over two years, 1,000 attempts, 500
certificates, 200 awards, 200 transactions with 160 purchases, subscriptions, cards, bulk
purchases, a Panorama seat, 2,000 audit events, 50 e-mails and transcript exports; and
empty-learner@bench.example with no history at all. So that the tables are not only this
learner's (query plans depend on it), 20,000 other learners get 900,000 actions in the same
log (written in time order, so the heavy learner's rows are spread over the table as they
would be), 100,000 grants and progress rows, and 200,000 audit events. About 40 s, once.
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
from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from access.models import (  # noqa: E402
    AccessGrant,
    BulkPurchase,
    Content,
    LearningPath,
    LearningPathItem,
    RedemptionCode,
    Sublicense,
    SublicenseSeat,
    SubscriptionPlan,
)
from activity.models import (  # noqa: E402
    ActivitySettings,
    Assessment,
    Attempt,
    AwardGrant,
    AwardType,
    Certificate,
    CertificateTemplate,
)
from engagement.models import ContentAction, Progress  # noqa: E402
from payments.models import Card, Purchase, Subscription, Transaction  # noqa: E402
from transcripts.models import (  # noqa: E402
    TranscriptExport,
    TranscriptField,
    TranscriptFieldValue,
)
from users import selectors  # noqa: E402
from users.models import AuditEvent, OutboundEmail, User  # noqa: E402

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
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def build_heavy_learner(rng):
    now = timezone.now()
    admin = bench_admin()
    heavy = User.objects.create_user(HEAVY_EMAIL, first_name="Heavy", last_name="Learner")
    heavy.date_joined = now - timedelta(days=HISTORY_DAYS + 10)
    heavy.save(update_fields=["date_joined"])

    def ago(days_max, days_min=0):
        return now - timedelta(seconds=rng.uniform(days_min * 86400, days_max * 86400))

    # Catalog: 1,000 content items (also visible in every learner's pickers), 2 paths.
    kinds = [choice for choice, _ in Content.Kind.choices]
    contents = Content.objects.bulk_create(
        Content(
            kind=kinds[n % len(kinds)],
            title=f"Heavy {['Course', 'Module', 'Guide', 'Lesson'][n % 4]} {n:04d}",
            slug=f"bench-heavy-{n:04d}",
            created_at=now - timedelta(days=HISTORY_DAYS + 20),
        )
        for n in range(CONTENT_ITEMS)
    )
    paths = []
    for p in range(2):
        path = LearningPath.objects.create(title=f"Heavy Path {p}", slug=f"bench-heavy-path-{p}")
        LearningPathItem.objects.bulk_create(
            LearningPathItem(path=path, content=contents[p * 25 + i], position=i) for i in range(25)
        )
        paths.append(path)

    # Access: 1,000 content grants (current, expiring, archived, expired, revoked), 2 paths, 1 plan.
    grants = []
    for n, content in enumerate(contents):
        granted_at = ago(HISTORY_DAYS, 30)
        grant = AccessGrant(
            user=heavy,
            content=content,
            source=[AccessGrant.Source.MANUAL, AccessGrant.Source.PURCHASE][n % 2],
            granted_at=granted_at,
            granted_by=admin if n % 2 == 0 else None,
            note="Bench" if n % 10 == 0 else "",
        )
        if n % 20 == 1:
            grant.expires_at = now + timedelta(days=rng.randint(1, 13))
        elif n % 20 == 2:
            grant.archived_at = ago(30)
        elif n % 20 == 3:
            grant.expires_at = granted_at + timedelta(days=10)
            grant.ended_at = grant.expires_at
            grant.end_reason = AccessGrant.EndReason.EXPIRED
        elif n % 20 == 4:
            grant.ended_at = ago(30)
            grant.end_reason = AccessGrant.EndReason.REVOKED
            grant.ended_by = admin
        grants.append(grant)
    grants = AccessGrant.objects.bulk_create(grants, batch_size=1000)
    AccessGrant.objects.bulk_create(
        AccessGrant(user=heavy, learning_path=path, granted_at=ago(400), granted_by=admin)
        for path in paths
    )
    plan = SubscriptionPlan.objects.order_by("id").first()
    plan_grant = None
    if plan is not None:
        plan_grant = AccessGrant.objects.create(
            user=heavy, plan=plan, source=AccessGrant.Source.SUBSCRIPTION, granted_at=ago(300)
        )
    main = Sublicense.objects.filter(is_main=True, seat_limit__isnull=True).first()
    if main is not None:
        SublicenseSeat.objects.create(
            user=heavy, panorama=main.panorama, sublicense=main, assigned_by=admin
        )
        Sublicense.objects.filter(pk=main.pk).update(seats_used=F("seats_used") + 1)
    for b in range(3):
        bulk = BulkPurchase.objects.create(
            buyer=heavy,
            content=contents[b],
            seats=10,
            order_reference=f"BENCH-HEAVY-{b}",
            purchased_at=ago(300),
        )
        RedemptionCode.objects.bulk_create(
            RedemptionCode(
                bulk_purchase=bulk,
                code=f"BH{b}{c:02d}",
                redeemed_at=ago(200) if c < 4 else None,
            )
            for c in range(10)
        )

    # Engagement: a progress row per item, 100,000 actions over two years (COPY).
    statuses = []
    progress = []
    for n, content in enumerate(contents):
        last = ago(HISTORY_DAYS)
        status = (
            Progress.Status.COMPLETED
            if n % 10 < 6
            else Progress.Status.IN_PROGRESS
            if n % 10 < 9
            else Progress.Status.NOT_STARTED
        )
        statuses.append(status)
        done = status == Progress.Status.COMPLETED
        progress.append(
            Progress(
                learner=heavy,
                content=content,
                status=status,
                percent=100 if done else (rng.randint(1, 99) if n % 10 < 9 else 0),
                time_spent=rng.randint(60, 20_000),
                first_activity_at=last - timedelta(days=3),
                last_activity_at=last,
                completed_at=last if done else None,
                score=rng.randint(50, 100) if done else None,
                completion_source=Progress.Source.MANUAL if done and n % 25 == 0 else "",
            )
        )
    Progress.objects.bulk_create(progress, batch_size=1000)
    others = list(
        User.objects.filter(is_superuser=False, is_staff=False)
        .exclude(pk=heavy.pk)
        .exclude(email=EMPTY_EMAIL)
        .order_by("id")
        .values_list("pk", flat=True)[:OTHER_LEARNERS]
    )
    actions = [choice for choice, _ in ContentAction.Action.choices]
    log = [
        (
            heavy.pk,
            contents[rng.randrange(CONTENT_ITEMS)].pk,
            actions[n % 5],
            ago(HISTORY_DAYS),
            json.dumps({"percent": n % 100} if n % 5 == 2 else {}),
            admin.pk if n % 100 == 0 else None,
        )
        for n in range(ACTIONS)
    ]
    log += [
        (
            others[n % len(others)],
            contents[(n * 7 + n // len(others)) % CONTENT_ITEMS].pk,
            actions[n % 5],
            ago(HISTORY_DAYS),
            "{}",
            None,
        )
        for n in range(OTHER_ACTIONS if others else 0)
    ]
    log.sort(key=lambda row: row[3])  # an append-only log is written in time order
    _copy(
        ContentAction._meta.db_table,
        ["learner_id", "content_id", "action", "occurred_at", "details", "real_actor_id"],
        log,
    )
    del log
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

    # Activity: 50 assessments x 20 attempts, 600 templates, 500 certificates, 200 awards.
    assessments = Assessment.objects.bulk_create(
        Assessment(
            content=contents[n],
            title=f"Heavy Quiz {n:02d}",
            max_attempts=25 if n % 2 else None,
        )
        for n in range(50)
    )
    Attempt.objects.bulk_create(
        (
            Attempt(
                learner=heavy,
                assessment=assessments[n % 50],
                started_at=(started := ago(HISTORY_DAYS)),
                submitted_at=started + timedelta(minutes=20),
                score=(score := rng.randint(20, 100)),
                passed=score >= 70,
                forgiven_at=started + timedelta(days=1) if n % 17 == 0 else None,
                forgiven_by=admin if n % 17 == 0 else None,
                forgive_reason="Technical problem" if n % 17 == 0 else "",
            )
            for n in range(1000)
        ),
        batch_size=1000,
    )
    templates = CertificateTemplate.objects.bulk_create(
        CertificateTemplate(
            content=contents[n],
            title=f"Certificate of {contents[n].title}",
            validity_days=365 if n % 3 == 0 else None,
            removed_at=now if n % 50 == 49 else None,
        )
        for n in range(600)
    )
    Certificate.objects.bulk_create(
        (
            Certificate(
                learner=heavy,
                content=template.content,
                template=template,
                title=template.title,
                issued_at=(issued := ago(HISTORY_DAYS)),
                issued_by=admin if n % 4 == 0 else None,
                verification_code=f"BHVY-{n:04d}-CERT",
                expires_at=issued + timedelta(days=365) if template.validity_days else None,
                revoked_at=ago(10) if n % 40 == 0 else None,
                revoked_by=admin if n % 40 == 0 else None,
                revoke_reason="Issued by mistake" if n % 40 == 0 else "",
            )
            for n, template in enumerate(templates[:500])
        ),
        batch_size=1000,
    )
    award_types = [
        AwardType.objects.get_or_create(singular=s, defaults={"plural": p, "icon": i})[0]
        for s, p, i in [
            ("Star", "Stars", "⭐"),
            ("Badge", "Badges", "🏅"),
            ("Trophy", "Trophies", "🏆"),
        ]
    ]
    AwardGrant.objects.bulk_create(
        AwardGrant(
            learner=heavy,
            award_type=award_types[n % 3],
            quantity=1 + n % 5,
            content=contents[n % CONTENT_ITEMS],
            granted_by=admin,
            granted_at=ago(HISTORY_DAYS),
            note="Great work" if n % 7 == 0 else "",
        )
        for n in range(200)
    )

    # Payments: 3 cards, 5 subscriptions, 150 charges with purchases, 30 refunds, 20 failures.
    Card.objects.bulk_create(
        Card(
            learner=heavy,
            token=f"tok_bench_heavy_{n}",
            brand=Card.Brand.VISA,
            last4=f"42{n:02d}",
            exp_month=1 + n,
            exp_year=now.year + n - 1,
            is_default=n == 0,
            added_by=admin,
        )
        for n in range(3)
    )
    if plan is not None:
        Subscription.objects.create(
            learner=heavy,
            plan=plan,
            started_at=now - timedelta(days=300),
            current_period_end=now + timedelta(days=65),
            access_grant=plan_grant,
        )
        for n in range(4):
            start = now - timedelta(days=700 - n * 100)
            Subscription.objects.create(
                learner=heavy,
                plan=plan,
                status=[Subscription.Status.CANCELLED, Subscription.Status.EXPIRED][n % 2],
                started_at=start,
                current_period_end=start + timedelta(days=30),
                cancelled_at=start + timedelta(days=20) if n % 2 == 0 else None,
            )
    charges = []
    for n in range(170):
        failed = n % 17 == 16
        charges.append(
            Transaction(
                learner=heavy,
                kind=Transaction.Kind.CHARGE,
                amount_minor=rng.randint(500, 50_000),
                currency="USD" if n % 5 else "EUR",
                status=Transaction.Status.FAILED if failed else Transaction.Status.SUCCEEDED,
                gateway_reference=f"ch_bench_heavy_{n}",
                idempotency_key=f"bench-heavy-charge-{n}",
                description=f"{contents[n + 100].title}",
                card_label="Visa •••• 4200",
                created_at=ago(HISTORY_DAYS),
                initiated_by=admin if n % 3 == 0 else None,
            )
        )
    charges = Transaction.objects.bulk_create(charges)
    succeeded = [c for c in charges if c.status == Transaction.Status.SUCCEEDED]
    refunds = []
    for n, charge in enumerate(succeeded[:30]):
        amount = charge.amount_minor if n % 2 else charge.amount_minor // 2
        charge.refunded_minor = amount
        refunds.append(
            Transaction(
                learner=heavy,
                kind=Transaction.Kind.REFUND,
                amount_minor=amount,
                currency=charge.currency,
                idempotency_key=f"bench-heavy-refund-{n}",
                parent=charge,
                reason="Asked for a refund",
                created_at=charge.created_at + timedelta(days=3),
                initiated_by=admin,
            )
        )
    Transaction.objects.bulk_update(succeeded[:30], ["refunded_minor"])
    Transaction.objects.bulk_create(refunds)
    by_content = {g.content_id: g for g in grants}
    Purchase.objects.bulk_create(
        Purchase(
            learner=heavy,
            content=contents[n + 100],
            amount_minor=charge.amount_minor,
            currency=charge.currency,
            charge=charge,
            access_grant=by_content.get(contents[n + 100].pk),
            purchased_at=charge.created_at,
        )
        for n, charge in enumerate(charges)
        if charge.status == Transaction.Status.SUCCEEDED
    )

    # Users: 2,000 audit events (the History), 50 e-mails.
    audit_actions = ["user.details_changed", "access.granted", "engagement.progress_reset"]
    _copy(
        AuditEvent._meta.db_table,
        [
            "created_at",
            "actor_id",
            "actor_label",
            "real_actor_label",
            "subject_id",
            "action",
            "changes",
            "subject_version",
            "note",
            "user_agent",
        ],
        sorted(
            (
                (
                    ago(HISTORY_DAYS),
                    admin.pk,
                    admin.email,
                    "",
                    heavy.pk if n < AUDIT_EVENTS else others[n % len(others)],
                    audit_actions[n % 3],
                    json.dumps({"first_name": [f"Name{n}", f"Name{n + 1}"]}),
                    n + 1,
                    "",
                    "bench",
                )
                for n in range(AUDIT_EVENTS + (OTHER_AUDIT_EVENTS if others else 0))
            ),
            key=lambda row: row[0],
        ),
    )
    OutboundEmail.objects.bulk_create(
        OutboundEmail(
            key=f"bench-heavy-email-{n}",
            user=heavy,
            to=HEAVY_EMAIL,
            subject=f"Message {n}",
            body="",
            status=OutboundEmail.Status.SENT if n % 10 else OutboundEmail.Status.FAILED,
            attempts=1,
            created_at=ago(HISTORY_DAYS),
            sent_at=now if n % 10 else None,
        )
        for n in range(50)
    )

    # Transcripts: CEU credits on the items (rows come from completed progress), old exports.
    ceu = TranscriptField.objects.filter(kind=TranscriptField.Kind.NUMBER).order_by("id").first()
    if ceu is not None:
        TranscriptFieldValue.objects.bulk_create(
            (
                TranscriptFieldValue(field=ceu, content=content, value=str(1 + n % 3))
                for n, content in enumerate(contents)
            ),
            ignore_conflicts=True,
        )
    TranscriptExport.objects.bulk_create(
        TranscriptExport(
            learner=heavy,
            requested_by=admin,
            status=TranscriptExport.Status.FAILED,
            error="Bench: no file",
            created_at=ago(HISTORY_DAYS, 1),
        )
        for _ in range(5)
    )
    return heavy


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
