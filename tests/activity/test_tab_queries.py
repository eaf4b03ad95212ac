"""The Activity tab costs the same number of queries with 1 row of everything or 200."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import AccessGrant, Content
from activity.models import (
    ActivitySettings,
    Attempt,
    AwardGrant,
    Certificate,
    CertificateTemplate,
)
from tests.activity.factories import AssessmentFactory, AwardTypeFactory
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

BUDGET = 20


def fill(learner, count, *, removed_every=7):
    now = timezone.now()
    contents = Content.objects.bulk_create(
        Content(title=f"Course {learner.pk}-{n}", slug=f"c-{learner.pk}-{n}") for n in range(count)
    )
    AccessGrant.objects.bulk_create(AccessGrant(user=learner, content=c) for c in contents)
    templates = CertificateTemplate.objects.bulk_create(
        CertificateTemplate(
            content=content,
            title=f"Certificate {n}",
            removed_at=now if n % removed_every == removed_every - 1 else None,
        )
        for n, content in enumerate(contents)
    )
    Certificate.objects.bulk_create(
        Certificate(
            learner=learner,
            content=template.content,
            template=template,
            title=template.title,
            verification_code=f"T{learner.pk}-{n}",
            issued_by=learner,
        )
        for n, template in enumerate(templates)
        if n % 2 == 0
    )
    assessments = [AssessmentFactory(content=contents[0]) for _ in range(min(count, 5))]
    Attempt.objects.bulk_create(
        Attempt(
            learner=learner,
            assessment=assessments[n % len(assessments)],
            score=n % 100,
            submitted_at=now,
            forgiven_at=now if n % 3 == 0 else None,
            forgiven_by=learner if n % 3 == 0 else None,
        )
        for n in range(count)
    )
    types = [AwardTypeFactory(), AwardTypeFactory(singular="Badge", plural="Badges")]
    AwardGrant.objects.bulk_create(
        AwardGrant(
            learner=learner,
            award_type=types[n % 2],
            quantity=1 + n % 4,
            content=contents[n % len(contents)],
            granted_by=learner,
        )
        for n in range(count)
    )


def queries_for(client, learner):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/manage/users/{learner.pk}/activity/")
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("gamification", [True, False])
def test_fixed_query_count_with_1_or_200_rows(admin_client, gamification):
    settings_row = ActivitySettings.load()
    settings_row.gamification = gamification
    settings_row.save()
    empty, small, big = LearnerFactory(), LearnerFactory(), LearnerFactory()
    fill(small, 1)
    fill(big, 200)

    queries_for(admin_client, small)  # warm the session and permission caches
    empty_count, _ = queries_for(admin_client, empty)
    small_count, small_response = queries_for(admin_client, small)
    big_count, big_response = queries_for(admin_client, big)

    assert empty_count == small_count == big_count <= BUDGET
    tab = big_response.context["tab"]
    assert len(tab.certificates_page.rows) == 50 and tab.certificates_page.next_cursor
    assert len(tab.content_rows) == 50 and tab.content_page.next_cursor
    assert big_response.context["tab"].attempts_page.next_cursor
    if gamification:
        assert big_response.context["tab"].awards_page.next_cursor
    print(f"Activity tab: {big_count} queries (gamification {gamification})")


def test_attempt_pages_forward(admin_client):
    learner = LearnerFactory()
    fill(learner, 120)
    first = admin_client.get(f"/manage/users/{learner.pk}/activity/")
    cursor = first.context["tab"].attempts_page.next_cursor
    second = admin_client.get(f"/manage/users/{learner.pk}/activity/", {"attempts_cursor": cursor})
    seen = {a.pk for g in first.context["tab"].attempt_groups for a in g.attempts}
    more = {a.pk for g in second.context["tab"].attempt_groups for a in g.attempts}
    assert len(seen) == 50 and len(more) == 50 and not seen & more
    third = admin_client.get(
        f"/manage/users/{learner.pk}/activity/",
        {"content_cursor": first.context["tab"].content_page.next_cursor},
    )
    titles = [row.content.title for row in third.context["tab"].content_rows]
    assert titles and not set(titles) & {r.content.title for r in first.context["tab"].content_rows}
    bad = admin_client.get(f"/manage/users/{learner.pk}/activity/", {"attempts_cursor": "junk"})
    assert bad.status_code == 200
