"""Query budgets: measure a page's queries, compare two runs, and fill the database at a scale.

`assert_same_queries(small, large)` fails with the queries the large run has and the small one
has not (SQL normalised: literals, numbers and IN lists become placeholders), so the reader sees
the extra query, not just two numbers.
"""

import itertools
import re
from collections import Counter
from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import (
    AccessGrant,
    BulkPurchase,
    Content,
    LearningPath,
    LearningPathItem,
    Panorama,
    RedemptionCode,
    Sublicense,
    SublicenseSeat,
    SubscriptionPlan,
)
from activity.models import (
    Assessment,
    Attempt,
    AwardGrant,
    AwardType,
    Certificate,
    CertificateTemplate,
)
from batch.models import BulkJob
from engagement.models import ContentAction, Progress
from payments.models import Card, Purchase, Subscription, Transaction
from transcripts.models import (
    TranscriptExport,
    TranscriptField,
    TranscriptFieldValue,
    TranscriptSettings,
)
from transcripts.selectors import BUILTIN_COLUMNS
from users.models import (
    AuditEvent,
    ErasureRequest,
    ImpersonationSession,
    Invitation,
    OutboundEmail,
    ProfileField,
    ProfileValue,
    User,
)
from users.roles import GROUP_NAMES, Role

# SQL normalisation: what varies between runs but is not a different query.
_QUOTED = re.compile(r"'(?:[^']|'')*'")
_SAVEPOINT = re.compile(r'"?\bs\d+_x\d+\b"?')
_IN_LIST = re.compile(r"\bIN \((?:[^()]|\([^()]*\))*\)", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?\b")
_SPACE = re.compile(r"\s+")


def normalise(sql):
    """The query's shape: literals -> ?, numbers -> #, IN (...) lists -> IN (…)."""
    sql = _QUOTED.sub("?", sql)
    sql = _SAVEPOINT.sub("<savepoint>", sql)
    sql = _IN_LIST.sub("IN (…)", sql)
    sql = _NUMBER.sub("#", sql)
    return _SPACE.sub(" ", sql).strip()


def query_diff(small, large):
    """(extra, missing): normalised queries (with counts) in one run and not the other."""
    small_shapes = Counter(normalise(query["sql"]) for query in small)
    large_shapes = Counter(normalise(query["sql"]) for query in large)
    return large_shapes - small_shapes, small_shapes - large_shapes


def describe_difference(label, small, large):
    extra, missing = query_diff(small, large)
    lines = [f"{label}: {len(small)} queries with small data, {len(large)} with large data."]
    if extra:
        lines.append("Only (or more often) with large data:")
        lines += [f"  ×{count} {sql}" for sql, count in extra.most_common()]
    if missing:
        lines.append("Only (or more often) with small data:")
        lines += [f"  ×{count} {sql}" for sql, count in missing.most_common()]
    return "\n".join(lines)


def assert_same_queries(label, small, large):
    """Fail, naming the extra queries, unless both runs made as many queries."""
    assert len(small) == len(large), describe_difference(label, small, large)


def assert_no_more_queries(label, small, large):
    """Fail, naming the extra queries, if the large run made more queries than the small one."""
    assert len(large) <= len(small), describe_difference(label, small, large)


def fetch(client, url):
    """GET the URL and read the whole body (streamed CSV and files included)."""
    response = client.get(url)
    if response.streaming:
        # The test client closes the response (and its file) once the stream is read.
        b"".join(response.streaming_content)
    return response


def measure(client, url):
    """(response, queries) of one GET, the body read inside the measurement."""
    with CaptureQueriesContext(connection) as captured:
        response = fetch(client, url)
    return response, captured.captured_queries


# Data at a scale: one learner with `n` rows of every kind the /manage/ pages show, and `n` of
# every school-wide row (learners, content, fields, sessions...) for the list pages.

_tags = itertools.count(1)


def _choose(items, index):
    return items[index % len(items)]


def populate(n, *, admin):
    """Write `n` of everything (bulk inserts) and return the ids the /manage/ URLs need."""
    tag = next(_tags)
    now = timezone.now()
    learner = _learners(n, tag, now)
    contents = Content.objects.bulk_create(
        Content(
            title=f"Budget {tag} course {i:03d}",
            slug=f"budget-{tag}-course-{i}",
            kind=_choose(Content.Kind.values, i),
        )
        for i in range(n)
    )
    grants = _access(n, tag, now, learner, admin, contents)
    activity = _activity(n, tag, now, learner, admin, contents)
    _engagement(n, now, learner, admin, contents)
    payments = _payments(n, tag, now, learner, admin, contents, grants)
    transcripts = _transcripts(n, tag, now, learner, admin, contents)
    users = _user_records(n, tag, now, learner, admin)
    return {
        "user_id": learner.pk,
        "email": learner.email,
        "grant_id": grants["content"][0].pk,
        "subscription_grant_id": grants["subscribed"].pk,
        **activity,
        **payments,
        **transcripts,
        **users,
    }


def _learners(n, tag, now):
    learner = User.objects.create(
        email=f"budget-{tag}@example.com",
        first_name="Budget",
        last_name=f"Learner {tag}",
        password="!",
        phone="+14155550100",
        city="Lisbon",
        last_login=now,
    )
    # n active and n disabled learners: both lists of Users > Learners overflow a page.
    others = User.objects.bulk_create(
        User(
            email=f"budget-{tag}-peer-{i}@example.com",
            first_name=f"Peer {i:03d}",
            last_name=f"Budget {tag}",
            password="!",
            is_active=i % 2 == 0,
            last_login=now - timedelta(hours=i) if i % 3 else None,
        )
        for i in range(2 * n)
    )
    # 2n staff (Customer Service, a third also Admin): Users > Staff overflows a page too.
    staff = User.objects.bulk_create(
        User(
            email=f"budget-{tag}-staff-{i}@example.com",
            first_name=f"Staff {i:03d}",
            last_name=f"Budget {tag}",
            password="!",
            last_login=now - timedelta(hours=i) if i % 3 else None,
        )
        for i in range(2 * n)
    )
    support = Group.objects.get(name=GROUP_NAMES[Role.CUSTOMER_SERVICE])
    admins = Group.objects.get(name=GROUP_NAMES[Role.ADMIN])
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=support.pk) for user in staff]
        + [User.groups.through(user_id=user.pk, group_id=admins.pk) for user in staff[::3]]
    )
    learner.peers = others
    return learner


def _access(n, tag, now, learner, admin, contents):
    paths = LearningPath.objects.bulk_create(
        LearningPath(title=f"Budget {tag} path {i:03d}", slug=f"budget-{tag}-path-{i}")
        for i in range(n)
    )
    LearningPathItem.objects.bulk_create(
        LearningPathItem(path=path, content=content, position=position)
        for i, path in enumerate(paths)
        for position, content in enumerate(dict.fromkeys([contents[i], _choose(contents, i + 1)]))
    )
    plans = SubscriptionPlan.objects.bulk_create(
        SubscriptionPlan(name=f"Budget {tag} plan {i:03d}", slug=f"budget-{tag}-plan-{i}")
        for i in range(n)
    )
    SubscriptionPlan.contents.through.objects.bulk_create(
        SubscriptionPlan.contents.through(subscriptionplan_id=plan.pk, content_id=content.pk)
        for i, plan in enumerate(plans)
        for content in dict.fromkeys([contents[i], _choose(contents, i + 1)])
    )
    SubscriptionPlan.learning_paths.through.objects.bulk_create(
        SubscriptionPlan.learning_paths.through(subscriptionplan_id=plan.pk, learningpath_id=p.pk)
        for plan, p in zip(plans, paths, strict=True)
    )
    path_grants = AccessGrant.objects.bulk_create(
        AccessGrant(user=learner, learning_path=path, granted_by=admin, granted_at=now)
        for path in paths
    )
    plan_grants = AccessGrant.objects.bulk_create(
        AccessGrant(
            user=learner,
            plan=plan,
            source=AccessGrant.Source.SUBSCRIPTION,
            granted_at=now,
            expires_at=now + timedelta(days=30),
        )
        for plan in plans
    )
    # Content a subscription opened (its grant's parent is the plan grant): its page names the plan.
    subscribed = Content.objects.create(
        title=f"Budget {tag} subscription video",
        slug=f"budget-{tag}-subscription-video",
        kind=Content.Kind.VIDEO,
    )
    plans[0].contents.add(subscribed)
    subscribed_grant = AccessGrant.objects.create(
        user=learner,
        content=subscribed,
        source=AccessGrant.Source.SUBSCRIPTION,
        parent=plan_grants[0],
        granted_at=now,
        expires_at=plan_grants[0].expires_at,
    )
    content_grants = AccessGrant.objects.bulk_create(
        AccessGrant(
            user=learner,
            content=content,
            granted_by=admin if i % 2 else None,
            granted_at=now - timedelta(minutes=i),
            parent=path_grants[i] if i % 3 == 1 else None,
            expires_at=now + timedelta(days=3 if i % 2 else 300),
            note=f"Note {i}",
        )
        for i, content in enumerate(contents)
    )
    # The archive: items the learner archived, access that expired or was revoked.
    ended = AccessGrant.objects.bulk_create(
        AccessGrant(
            user=learner,
            content=content,
            granted_at=now - timedelta(days=40, minutes=i),
            expires_at=now - timedelta(days=1),
            ended_at=now - timedelta(days=1),
            end_reason=reason,
            ended_by=admin if reason == AccessGrant.EndReason.REVOKED else None,
        )
        for reason in AccessGrant.EndReason.values
        for i, content in enumerate(contents)
    )
    AccessGrant.objects.filter(pk__in=[grant.pk for grant in path_grants[::10]]).update(
        archived_at=now
    )
    panoramas = Panorama.objects.bulk_create(
        Panorama(name=f"Budget {tag} panorama {i:03d}", slug=f"budget-{tag}-panorama-{i}")
        for i in range(n)
    )
    sublicenses = Sublicense.objects.bulk_create(
        Sublicense(panorama=panorama, name="Main", is_main=True, seat_limit=10, seats_used=1)
        for panorama in panoramas
    )
    SublicenseSeat.objects.bulk_create(
        SublicenseSeat(user=learner, panorama=s.panorama, sublicense=s, assigned_by=admin)
        for s in sublicenses
    )
    bulk = BulkPurchase.objects.bulk_create(
        BulkPurchase(
            buyer=learner,
            content=content,
            seats=3,
            order_reference=f"BUDGET-{tag}-{i}",
            purchased_at=now - timedelta(days=i),
        )
        for i, content in enumerate(contents)
    )
    RedemptionCode.objects.bulk_create(
        RedemptionCode(
            bulk_purchase=purchase,
            code=f"B{tag}-{i}-{k}",
            redeemed_by=_choose(learner.peers, i) if k == 0 else None,
            redeemed_at=now if k == 0 else None,
        )
        for i, purchase in enumerate(bulk)
        for k in range(2)
    )
    return {
        "content": content_grants,
        "paths": path_grants,
        "plans": plan_grants,
        "subscribed": subscribed_grant,
        "ended": ended,
        "bulk": bulk,
    }


def _activity(n, tag, now, learner, admin, contents):
    assessments = Assessment.objects.bulk_create(
        Assessment(content=content, title=f"Budget {tag} exam {i}", max_attempts=3)
        for i, content in enumerate(contents[:5])
    )
    attempts = Attempt.objects.bulk_create(
        Attempt(
            learner=learner,
            assessment=_choose(assessments, i),
            started_at=now - timedelta(hours=i),
            submitted_at=now - timedelta(hours=i),
            score=i % 100,
            passed=i % 100 >= 70,
            forgiven_at=now if i % 3 == 0 else None,
            forgiven_by=admin if i % 3 == 0 else None,
            forgive_reason="Technical problem" if i % 3 == 0 else "",
        )
        for i in range(n)
    )
    templates = CertificateTemplate.objects.bulk_create(
        CertificateTemplate(
            content=content,
            title=f"Certificate {i}",
            validity_days=365 if i % 2 else None,
            removed_at=now if i % 7 == 6 else None,
        )
        for i, content in enumerate(contents)
    )
    certificates = Certificate.objects.bulk_create(
        Certificate(
            learner=learner,
            content=template.content,
            template=template,
            title=template.title,
            verification_code=f"BG{tag}-{i}",
            issued_by=admin if i % 2 else None,
            issued_at=now - timedelta(days=i),
            expires_at=now + timedelta(days=365) if i % 2 else None,
            revoked_at=now if i % 4 == 3 else None,
            revoked_by=admin if i % 4 == 3 else None,
            revoke_reason="Issued by mistake" if i % 4 == 3 else "",
        )
        for i, template in enumerate(templates)
    )
    star = AwardType.objects.get_or_create(singular="Star", defaults={"plural": "Stars"})[0]
    badge = AwardType.objects.get_or_create(singular="Badge", defaults={"plural": "Badges"})[0]
    AwardGrant.objects.bulk_create(
        AwardGrant(
            learner=learner,
            award_type=star if i % 2 else badge,
            quantity=1 + i % 4,
            content=_choose(contents, i),
            granted_by=admin if i % 2 else None,
            granted_at=now - timedelta(hours=i),
            note=f"Well done {i}",
        )
        for i in range(n)
    )
    return {"attempt_id": attempts[0].pk, "certificate_id": certificates[0].pk}


def _engagement(n, now, learner, admin, contents):
    Progress.objects.bulk_create(
        Progress(
            learner=learner,
            content=content,
            status=Progress.Status.COMPLETED if i % 2 == 0 else Progress.Status.IN_PROGRESS,
            percent=100 if i % 2 == 0 else 40,
            time_spent=600 + 60 * i,
            score=80 if i % 2 == 0 else None,
            first_activity_at=now - timedelta(days=3, hours=i),
            last_activity_at=now - timedelta(hours=i),
            completed_at=now - timedelta(hours=i) if i % 2 == 0 else None,
            completion_source=Progress.Source.AUTO if i % 2 == 0 else "",
        )
        for i, content in enumerate(contents)
    )
    actions = list(ContentAction.Action.values)
    ContentAction.objects.bulk_create(
        ContentAction(
            learner=learner if i % 4 else _choose(learner.peers, i),
            content=_choose(contents, i),
            action=_choose(actions, i),
            occurred_at=now - timedelta(hours=i),
            details={"step": i} if i % 3 == 0 else {},
            real_actor=admin if i % 5 == 0 else None,
        )
        for i in range(2 * n)
    )


def _payments(n, tag, now, learner, admin, contents, grants):
    cards = Card.objects.bulk_create(
        Card(
            learner=learner,
            token=f"tok_budget_{tag}_{i}",
            brand=_choose([Card.Brand.VISA, Card.Brand.MASTERCARD], i),
            last4=f"{4242 + i:04d}"[-4:],
            exp_month=1 + i % 12,
            exp_year=2020 + i % 15,
            is_default=i == 0,
            added_by=admin,
        )
        for i in range(n)
    )
    subscriptions = Subscription.objects.bulk_create(
        Subscription(
            learner=learner,
            plan=grant.plan,
            status=Subscription.Status.ACTIVE if i % 2 == 0 else Subscription.Status.CANCELLED,
            started_at=now - timedelta(days=10 + i),
            current_period_end=now + timedelta(days=20),
            cancelled_at=None if i % 2 == 0 else now,
            access_grant=grant,
            started_by=admin,
        )
        for i, grant in enumerate(grants["plans"])
    )
    charges = Transaction.objects.bulk_create(
        Transaction(
            learner=learner,
            kind=Transaction.Kind.CHARGE,
            amount_minor=1000 + i,
            currency=_choose(["USD", "EUR", "JPY"], i),
            gateway_reference=f"ch_budget_{tag}_{i}",
            idempotency_key=f"budget-{tag}-charge-{i}",
            refunded_minor=100 if i % 3 == 1 else 0,
            description=f"Charge {i}",
            card_label="Visa •••• 4242",
            subscription=_choose(subscriptions, i) if i % 2 else None,
            created_at=now - timedelta(hours=i),
            initiated_by=admin if i % 2 else None,
        )
        for i in range(2 * n)
    )
    Transaction.objects.bulk_create(
        Transaction(
            learner=learner,
            kind=Transaction.Kind.REFUND,
            amount_minor=100,
            currency=charge.currency,
            gateway_reference=f"re_budget_{tag}_{i}",
            idempotency_key=f"budget-{tag}-refund-{i}",
            parent=charge,
            reason="Asked for it",
            created_at=now - timedelta(hours=i, minutes=-1),
            initiated_by=admin,
        )
        for i, charge in enumerate(charges)
        if charge.refunded_minor
    )
    purchased = [(grant.content, None, None, grant) for grant in grants["content"]]
    purchased += [(None, grant.learning_path, None, grant) for grant in grants["paths"]]
    purchased += [(None, None, bulk, None) for bulk in grants["bulk"]]
    Purchase.objects.bulk_create(
        Purchase(
            learner=learner,
            content=content,
            learning_path=path,
            bulk_purchase=bulk,
            amount_minor=charge.amount_minor,
            currency=charge.currency,
            charge=charge,
            access_grant=grant,
            purchased_at=charge.created_at,
            purchased_by=admin,
        )
        for charge, (content, path, bulk, grant) in zip(
            charges[: len(purchased)], purchased, strict=False
        )
    )
    return {
        "card_id": cards[0].pk,
        "subscription_id": subscriptions[0].pk,
        "transaction_id": charges[0].pk,
    }


def _transcripts(n, tag, now, learner, admin, contents):
    fields = TranscriptField.objects.bulk_create(
        TranscriptField(
            name=f"Budget {tag} field {i}",
            kind=TranscriptField.Kind.NUMBER if i % 2 == 0 else TranscriptField.Kind.TEXT,
        )
        for i in range(n)
    )
    TranscriptFieldValue.objects.bulk_create(
        TranscriptFieldValue(field=field, content=content, value=str(j + 1))
        for j, field in enumerate(fields[:3])
        for content in contents
    )
    settings = TranscriptSettings.load()
    settings.columns = [*BUILTIN_COLUMNS, *(field.column_key for field in fields)]
    settings.credits_field = fields[0]
    settings.save()
    TranscriptExport.objects.bulk_create(
        TranscriptExport(
            learner=learner,
            requested_by=admin,
            status=TranscriptExport.Status.FAILED,
            error="Renderer stopped",
            attempts=3,
            created_at=now - timedelta(days=1 + i),
        )
        for i in range(n - 1)
    )
    name = default_storage.save(f"transcripts/budget-{tag}.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    ready = TranscriptExport.objects.create(
        learner=learner,
        requested_by=admin,
        status=TranscriptExport.Status.READY,
        file=name,
        started_at=now,
        finished_at=now,
    )
    return {"export_id": ready.pk, "field_id": fields[0].pk}


def _user_records(n, tag, now, learner, admin):
    fields = ProfileField.objects.bulk_create(
        ProfileField(kind=kind, key=f"budget-{tag}-{kind}-{i}", label=f"{kind} {i}", position=i)
        for kind in ProfileField.Kind.values
        for i in range(n)
    )
    ProfileValue.objects.bulk_create(
        ProfileValue(user=user, field=field, value=f"Value {i}")
        for i, field in enumerate(fields)
        for user in (learner, _choose(learner.peers, i))
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            created_at=now - timedelta(minutes=i),
            actor=admin,
            actor_label=admin.email,
            subject=learner,
            action=_choose(["user.update", "access.grant", "certificate.issue"], i),
            changes={"city": ["Porto", f"Lisbon {i}"]},
            subject_version=i + 1,
            note=f"Change {i}",
        )
        for i in range(n)
    )
    emails = OutboundEmail.objects.bulk_create(
        OutboundEmail(
            key=f"budget-{tag}-email-{i}",
            user=learner,
            to=learner.email,
            subject=f"Message {i}",
            body="",
            status=_choose(OutboundEmail.Status.values, i),
            attempts=i % 4,
            last_error="SMTP 451" if i % 4 == 3 else "",
            created_at=now - timedelta(minutes=i),
        )
        for i in range(n)
    )
    Invitation.objects.bulk_create(
        Invitation(
            user=learner,
            token_hash=f"budget-{tag}-token-{i}",
            request_key=f"budget-{tag}-request-{i}",
            created_at=now - timedelta(days=i),
            created_by=admin,
            email=email,
        )
        for i, email in enumerate(emails)
    )
    ImpersonationSession.objects.bulk_create(
        ImpersonationSession(
            admin=admin,
            learner=learner if i % 2 else _choose(learner.peers, i),
            reason=f"Support ticket {i}",
            started_at=now - timedelta(hours=i),
            ended_at=now - timedelta(hours=i, minutes=-5) if i else None,
            ended_by=ImpersonationSession.EndedBy.BUTTON if i else "",
            ip_address="127.0.0.1",
        )
        for i in range(n)
    )
    ErasureRequest.objects.bulk_create(
        ErasureRequest(
            user=learner,
            requested_by=admin,
            requested_at=now - timedelta(days=30 + i),
            reason="Asked twice",
            due_at=now - timedelta(days=23 + i),
            cancelled_at=now - timedelta(days=29 + i),
            cancelled_by=admin,
        )
        for i in range(n)
    )
    failures = [
        {"user_id": peer.pk, "email": peer.email, "reason": "Not allowed"} for peer in learner.peers
    ]
    job = BulkJob.objects.create(
        actor=admin,
        action="disable",
        user_ids=[peer.pk for peer in learner.peers],
        total=n,
        failed=n,
        status=BulkJob.Status.DONE,
        errors=failures,
        finished_at=now,
    )
    return {"email_id": emails[0].pk, "job_id": job.pk}
