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
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from batch.models import BulkJob
from lms import history
from lms.history import Sizes
from users.models import User
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


# Data at a scale: one learner with `n` rows of every kind the /manage/ pages show (the shared
# history builder, lms/history), and `n` of every school-wide row for the list pages.

_tags = itertools.count(1)


def populate(n, *, admin):
    """Write `n` of everything (bulk inserts) and return the ids the /manage/ URLs need."""
    tag = next(_tags)
    now = timezone.now()
    learner = _learners(n, tag, now)
    made = history.build(
        Sizes.each(n), learner=learner, admin=admin, peers=[p.pk for p in learner.peers], now=now
    )
    return {
        "user_id": learner.pk,
        "email": learner.email,
        "grant_id": made["content_grants"][0].pk,
        "subscription_grant_id": made["subscribed"].pk,
        "attempt_id": made["attempts"][0].pk,
        "certificate_id": made["certificates"][0].pk,
        "card_id": made["cards"][0].pk,
        "subscription_id": made["subscriptions"][0].pk,
        "transaction_id": made["charges"][0].pk,
        "export_id": made["export"].pk,
        "field_id": made["transcript_fields"][0].pk,
        "learner_field_id": made["learner_fields"][0].pk,
        "email_id": made["emails"][0].pk,
        "job_id": _bulk_job(n, admin, learner.peers, now).pk,
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


def _bulk_job(n, admin, peers, now):
    """A finished bulk job that failed for everyone: its page lists the failures."""
    return BulkJob.objects.create(
        actor=admin,
        action="disable",
        user_ids=[peer.pk for peer in peers],
        total=n,
        failed=n,
        status=BulkJob.Status.DONE,
        errors=[{"user_id": p.pk, "email": p.email, "reason": "Not allowed"} for p in peers],
        finished_at=now,
    )
