"""The learner's home `/`: their content, learning paths and archive."""

import datetime

import pytest
from django.utils import timezone

from access import services
from access.models import AccessGrant
from tests.access.factories import ContentFactory, GrantFactory, LearningPathFactory
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def text(response):
    return response.content.decode()


@pytest.fixture
def archiving_on(admin_user):
    services.access_settings_update(actor=admin_user, learner_archiving=True)


def test_learner_sees_their_content_linked_to_learn(learner_client, learner):
    GrantFactory(user=learner, content=ContentFactory(title="Excel in Practice", slug="excel"))
    GrantFactory(content=ContentFactory(title="Someone else's"))
    page = text(learner_client.get("/"))
    assert '<a href="/learn/excel/">Excel in Practice</a>' in page
    assert "Someone else" not in page


def test_learning_paths_list_their_content(learner_client, learner, admin_user):
    path = LearningPathFactory(
        title="Data Track", contents=[ContentFactory(title="Step one", slug="step-one")]
    )
    services.access_grant(user=learner, item=path, actor=admin_user)
    page = text(learner_client.get("/"))
    assert "Data Track" in page and "/learn/step-one/" in page


def test_no_archive_button_while_switched_off(learner_client, learner):
    grant = GrantFactory(user=learner)
    assert "Archive" not in text(learner_client.get("/")).split("My learning paths")[0]
    response = learner_client.post(f"/my/access/{grant.pk}/archive/")
    assert response.status_code == 403
    grant.refresh_from_db()
    assert grant.archived_at is None


def test_archive_moves_it_to_the_archive_section(learner_client, learner, archiving_on):
    grant = GrantFactory(user=learner, content=ContentFactory(title="Done course"))
    response = learner_client.post(f"/my/access/{grant.pk}/archive/")
    assert response.status_code == 302
    page = text(learner_client.get("/"))
    mine, archive = page.split('id="my-archive"')
    assert "Done course" in archive and "Done course" not in mine.split("My content")[1]
    assert "Done course moved to your Archive." in page
    learner_client.post(f"/my/access/{grant.pk}/unarchive/")
    grant.refresh_from_db()
    assert grant.archived_at is None


def test_expired_access_shows_in_the_archive(learner_client, learner):
    GrantFactory(
        user=learner, content=ContentFactory(title="Lapsed"), expires_at=timezone.now() - DAY
    )
    GrantFactory(
        user=learner,
        content=ContentFactory(title="Swept"),
        expires_at=timezone.now() - DAY,
        ended_at=timezone.now(),
        end_reason=AccessGrant.EndReason.EXPIRED,
    )
    GrantFactory(
        user=learner,
        content=ContentFactory(title="Taken away"),
        ended_at=timezone.now(),
        end_reason=AccessGrant.EndReason.REVOKED,
    )
    page = text(learner_client.get("/"))
    archive = page.split('id="my-archive"')[1]
    assert "Lapsed" in archive and "Swept" in archive and "Access expired" in archive
    assert "Taken away" not in page


def test_a_learner_cannot_archive_someone_elses_item(learner_client, archiving_on):
    grant = GrantFactory(user=LearnerFactory())
    assert learner_client.post(f"/my/access/{grant.pk}/archive/").status_code == 404


def test_anonymous_goes_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/sign_in")


def test_archive_is_post_only(learner_client, learner):
    grant = GrantFactory(user=learner)
    assert learner_client.get(f"/my/access/{grant.pk}/archive/").status_code == 405


def test_home_costs_the_same_queries_for_1_or_300_items(client, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    one = LearnerFactory()
    GrantFactory(user=one)
    path = LearningPathFactory(contents=[ContentFactory()])
    services.access_grant(user=one, item=path, actor=admin_user)
    count(one)  # the first visit creates the settings row
    many = LearnerFactory()
    GrantFactory.create_batch(200, user=many)
    GrantFactory.create_batch(60, user=many, expires_at=timezone.now() - DAY)
    for _ in range(5):
        path = LearningPathFactory(contents=ContentFactory.create_batch(3))
        services.access_grant(user=many, item=path, actor=admin_user)
    assert count(one) == count(many)
