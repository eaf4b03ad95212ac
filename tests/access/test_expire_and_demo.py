"""The expire_access command and task, Django admin for the catalog, and the demo seed."""

import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from access import demo, tasks
from access.models import (
    AccessGrant,
    BulkPurchase,
    Content,
    Panorama,
    Sublicense,
)
from tests.access.factories import ContentFactory, GrantFactory
from tests.factories import LearnerFactory, SuperuserFactory
from users.models import AuditEvent, User

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_command_ends_past_access_idempotently():
    GrantFactory.create_batch(2, expires_at=timezone.now() - DAY)
    GrantFactory(expires_at=timezone.now() + DAY)
    out = io.StringIO()
    call_command("expire_access", stdout=out)
    assert "Ended 2 grants" in out.getvalue()
    call_command("expire_access", stdout=io.StringIO())
    assert AccessGrant.objects.filter(end_reason="expired").count() == 2
    assert AuditEvent.objects.filter(action="access.expired", actor=None).count() == 2


def test_task_runs_the_same_service():
    GrantFactory(expires_at=timezone.now() - DAY)
    assert tasks.expire_access.delay().get() == 1


class TestDjangoAdmin:
    @pytest.fixture
    def root_client(self, client):
        client.force_login(SuperuserFactory())
        return client

    def test_a_panorama_added_in_django_admin_gets_its_main_sublicense(self, root_client):
        contents = ContentFactory.create_batch(2)
        response = root_client.post(
            "/django-admin/access/panorama/add/",
            {
                "name": "Acme Academy",
                "slug": "acme-academy",
                "contents": [c.pk for c in contents],
                "sublicenses-TOTAL_FORMS": "1",
                "sublicenses-INITIAL_FORMS": "0",
                "sublicenses-0-name": "Engineers",
                "sublicenses-0-seat_limit": "5",
                "sublicenses-0-contents": [contents[0].pk],
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        panorama = Panorama.objects.get(slug="acme-academy")
        main = panorama.sublicenses.get(is_main=True)
        assert set(main.contents.all()) == set(contents)
        assert panorama.sublicenses.filter(name="Engineers", seat_limit=5).exists()
        assert AuditEvent.objects.filter(action="access.panorama_created").count() == 1

    @pytest.mark.parametrize(
        "page",
        ["content", "learningpath", "subscriptionplan", "panorama", "bulkpurchase", "accessgrant"],
    )
    def test_catalog_pages_open(self, root_client, page):
        assert root_client.get(f"/django-admin/access/{page}/").status_code == 200
        if page != "accessgrant":
            assert root_client.get(f"/django-admin/access/{page}/add/").status_code == 200


def test_demo_seed_is_believable_and_idempotent():
    LearnerFactory(email="learner1@example.com")
    LearnerFactory.create_batch(15)
    demo.seed(rng=random.Random(7), log=lambda *a: None)
    counts = (
        Content.objects.count(),
        AccessGrant.objects.count(),
        Sublicense.objects.count(),
        BulkPurchase.objects.count(),
        AuditEvent.objects.count(),
    )
    demo.seed(rng=random.Random(8), log=lambda *a: None)
    assert counts == (
        Content.objects.count(),
        AccessGrant.objects.count(),
        Sublicense.objects.count(),
        BulkPurchase.objects.count(),
        AuditEvent.objects.count(),
    )
    assert Content.objects.count() >= 12
    assert Sublicense.objects.filter(is_main=True).count() == 1
    assert Sublicense.objects.count() == 3
    learner = User.objects.get(email="learner1@example.com")
    mine = AccessGrant.objects.filter(user=learner, ended_at__isnull=True)
    assert mine.count() >= 3
    soon = timezone.now() + 14 * DAY
    assert mine.filter(expires_at__gt=timezone.now(), expires_at__lt=soon).exists()
    assert BulkPurchase.objects.get().codes.filter(redeemed_at__isnull=False).exists()


def test_django_admin_refuses_to_delete_the_main_sublicense(client):
    from access import panoramas

    client.force_login(SuperuserFactory())
    panorama = panoramas.panorama_create(name="Beta", slug="beta", actor=None)
    main = panorama.sublicenses.get()
    response = client.post(
        f"/django-admin/access/panorama/{panorama.pk}/change/",
        {
            "name": "Beta",
            "slug": "beta",
            "sublicenses-TOTAL_FORMS": "1",
            "sublicenses-INITIAL_FORMS": "1",
            "sublicenses-0-id": main.pk,
            "sublicenses-0-panorama": panorama.pk,
            "sublicenses-0-name": "Main",
            "sublicenses-0-DELETE": "on",
        },
    )
    assert response.status_code == 200
    assert "The Main sublicense cannot be deleted." in response.content.decode()
    assert Sublicense.objects.filter(pk=main.pk).exists()
