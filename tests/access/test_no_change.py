"""Every access change tells the truth: a request that changes nothing says so and writes no
audit event; one that changes something names the change (issue 19)."""

import datetime

import pytest
from django.utils import timezone

from access import panoramas, services
from access.models import AccessGrant, AccessSettings
from tests.access.factories import (
    ContentFactory,
    GrantFactory,
    LearningPathFactory,
    PanoramaFactory,
    PlanFactory,
    SublicenseFactory,
)
from users.models import AuditEvent

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def in_days(days):
    return services.end_of_day(timezone.localdate() + days * DAY)


def day(days):
    return (timezone.localdate() + days * DAY).isoformat()


def tab_url(user):
    return f"/manage/users/{user.pk}/access/"


def shown(client, response):
    """The flash messages the next page shows after a redirect."""
    assert response.status_code == 302, response.content.decode()[:500]
    return client.get(response["Location"]).content.decode()


def event_count():
    return AuditEvent.objects.count()


@pytest.fixture
def archiving_on(admin_user):
    services.access_settings_update(actor=admin_user, learner_archiving=True)


# Adding an item the learner already holds.


class TestAddWhatIsHeld:
    def test_a_held_manual_grant_keeps_its_expiry_and_note(self, admin_user, learner):
        course = ContentFactory(title="Excel")
        first = services.access_grant(user=learner, item=course, actor=admin_user)
        before = event_count()
        grant, created = services.access_add(
            user=learner, item=course, actor=admin_user, expires_at=in_days(30), note="Promo"
        )
        assert (grant.pk, created) == (first.pk, False)
        grant.refresh_from_db()
        assert grant.expires_at is None and grant.note == ""
        assert event_count() == before

    def test_content_held_through_a_path_is_left_to_the_path(self, admin_user, learner):
        course = ContentFactory(title="Step one")
        path = LearningPathFactory(title="Data Track", contents=[course])
        path_grant = services.access_grant(user=learner, item=path, actor=admin_user)
        before = event_count()
        grant, created = services.access_add(
            user=learner, item=course, actor=admin_user, expires_at=in_days(30)
        )
        assert not created and grant.parent_id == path_grant.pk
        assert AccessGrant.objects.get(user=learner, content=course).expires_at is None
        assert event_count() == before

    def test_the_page_says_it_is_held_manually_and_changes_nothing(
        self, admin_client, admin_user, learner
    ):
        course = ContentFactory(title="Excel Formulas", slug="excel-formulas")
        services.access_grant(user=learner, item=course, actor=admin_user)
        before = event_count()
        response = admin_client.post(
            f"{tab_url(learner)}add/",
            {"item": "Excel Formulas [content:excel-formulas]", "expires_at": day(10), "note": "x"},
        )
        page = shown(admin_client, response)
        assert (
            "This learner already has access to Excel Formulas with no end date, through a "
            "manual grant. Nothing changed. To change its expiry date, open it in the list below."
        ) in page
        assert "Excel Formulas added" not in page
        assert AccessGrant.objects.get(user=learner, content=course).expires_at is None
        assert event_count() == before

    def test_the_page_names_the_learning_path(self, admin_client, admin_user, learner):
        course = ContentFactory(title="Step one", slug="step-one")
        path = LearningPathFactory(title="Data Track", contents=[course])
        services.access_grant(user=learner, item=path, actor=admin_user, expires_at=in_days(20))
        response = admin_client.post(
            f"{tab_url(learner)}add/", {"item": "Step one [content:step-one]", "expires_at": ""}
        )
        page = shown(admin_client, response)
        assert (
            f"This learner already has access to Step one until {day(20)}, through the learning "
            "path “Data Track”. Nothing changed."
        ) in page
        assert "open it in the list below" not in page

    def test_the_page_names_the_subscription(self, admin_client, admin_user, learner):
        course = ContentFactory(title="Video one", slug="video-one")
        plan = PlanFactory(name="All Access", contents=[course])
        services.access_grant(
            user=learner,
            item=plan,
            actor=admin_user,
            source=AccessGrant.Source.SUBSCRIPTION,
            expires_at=in_days(30),
        )
        before = event_count()
        response = admin_client.post(
            f"{tab_url(learner)}add/",
            {"item": "Video one [content:video-one]", "expires_at": day(90), "note": "Gift"},
        )
        page = shown(admin_client, response)
        assert (
            f"This learner already has access to Video one until {day(30)}, through the "
            "subscription “All Access”. Nothing changed."
        ) in page
        assert event_count() == before

    def test_an_archived_item_points_to_reinstate(self, admin_client, learner):
        GrantFactory(
            user=learner,
            content=ContentFactory(title="Done", slug="done"),
            archived_at=timezone.now(),
        )
        page = shown(
            admin_client,
            admin_client.post(f"{tab_url(learner)}add/", {"item": "Done [content:done]"}),
        )
        assert "already has access to Done with no end date, through a manual grant." in page
        assert "The learner archived it: reinstate it from the Archive." in page
        assert not AuditEvent.objects.exists()

    def test_a_new_item_names_its_expiry(self, admin_client, learner):
        ContentFactory(title="Fresh", slug="fresh")
        response = admin_client.post(
            f"{tab_url(learner)}add/", {"item": "Fresh [content:fresh]", "expires_at": day(10)}
        )
        assert f"Fresh added, with access until {day(10)}." in shown(admin_client, response)
        response = admin_client.post(
            f"{tab_url(learner)}add/", {"item": "Fresh [content:fresh]", "expires_at": ""}
        )
        assert "already has access to Fresh until" in shown(admin_client, response)


# Panorama seats.


class TestSeatAlreadyHeld:
    def test_the_same_sublicense_again_changes_nothing(self, admin_user, learner):
        team = SublicenseFactory(seat_limit=2)
        first = panoramas.seat_assign(user=learner, sublicense=team, actor=admin_user)
        before = event_count()
        again = panoramas.seat_assign(user=learner, sublicense=team, actor=admin_user)
        assert first.changed and not again.changed and again.seat.pk == first.seat.pk
        assert event_count() == before

    def test_the_page_says_the_seat_is_already_held(self, admin_client, admin_user, learner):
        panorama = PanoramaFactory(name="Acme")
        team = SublicenseFactory(panorama=panorama, name="Sales", seat_limit=2)
        panoramas.seat_assign(user=learner, sublicense=team, actor=admin_user)
        before = event_count()
        page = shown(
            admin_client, admin_client.post(f"{tab_url(learner)}seat/", {"sublicense": team.pk})
        )
        assert "This learner already holds a seat in Acme: Sales (since" in page
        assert "Nothing changed." in page and "Seat assigned" not in page
        assert event_count() == before

    def test_a_move_names_both_sublicenses(self, admin_client, admin_user, learner):
        panorama = PanoramaFactory(name="Acme")
        sales = SublicenseFactory(panorama=panorama, name="Sales", seat_limit=2)
        ops = SublicenseFactory(panorama=panorama, name="Ops", seat_limit=2)
        panoramas.seat_assign(user=learner, sublicense=sales, actor=admin_user)
        page = shown(
            admin_client, admin_client.post(f"{tab_url(learner)}seat/", {"sublicense": ops.pk})
        )
        assert "Seat moved in Acme: from Sales to Ops." in page


# Expiry date.


class TestExpirySameDay:
    def test_the_same_day_writes_no_event(self, admin_user, learner):
        grant = GrantFactory(user=learner, expires_at=in_days(5))
        grant, changed = services.access_expiry_change(
            grant=grant, expires_at=in_days(5), actor=admin_user
        )
        assert not changed and not AuditEvent.objects.exists()

    def test_the_same_day_at_another_hour_is_the_same_date(self, admin_user, learner):
        # A subscription's period ends at the minute it started; the form sends end of day.
        period_end = timezone.now() + 5 * DAY
        if timezone.localtime(period_end).date() != timezone.localtime(in_days(5)).date():
            period_end = in_days(5) - datetime.timedelta(hours=1)
        grant = GrantFactory(user=learner, expires_at=period_end)
        _, changed = services.access_expiry_change(
            grant=grant, expires_at=in_days(5), actor=admin_user
        )
        grant.refresh_from_db()
        assert not changed and grant.expires_at == period_end
        assert not AuditEvent.objects.exists()

    def test_no_end_date_again_writes_no_event(self, admin_user, learner):
        grant = GrantFactory(user=learner, expires_at=None)
        _, changed = services.access_expiry_change(grant=grant, expires_at=None, actor=admin_user)
        assert not changed and not AuditEvent.objects.exists()

    def test_the_page_says_nothing_changed(self, admin_client, learner):
        grant = GrantFactory(
            user=learner, content=ContentFactory(title="Safety"), expires_at=in_days(5)
        )
        page = shown(
            admin_client,
            admin_client.post(f"{tab_url(learner)}{grant.pk}/", {"expires_at": day(5)}),
        )
        assert f"Safety already expires on {day(5)}. Nothing changed." in page
        assert "now expires" not in page
        assert not AuditEvent.objects.exists()

    def test_the_page_says_no_end_date_already(self, admin_client, learner):
        grant = GrantFactory(user=learner, content=ContentFactory(title="Safety"))
        page = shown(
            admin_client, admin_client.post(f"{tab_url(learner)}{grant.pk}/", {"expires_at": ""})
        )
        assert "Safety already has no end date. Nothing changed." in page
        assert "no longer expires" not in page

    def test_a_change_names_the_new_date(self, admin_client, learner):
        grant = GrantFactory(
            user=learner, content=ContentFactory(title="Safety"), expires_at=in_days(5)
        )
        page = shown(
            admin_client,
            admin_client.post(f"{tab_url(learner)}{grant.pk}/", {"expires_at": day(9)}),
        )
        assert f"Safety now expires on {day(9)}." in page
        assert AuditEvent.objects.filter(action="access.expiry_changed").count() == 1


# Revoke.


class TestRevokeWhatEnded:
    def test_revoking_twice_writes_one_event(self, admin_user, learner):
        grant = GrantFactory(user=learner)
        _, first = services.access_revoke(grant=grant, actor=admin_user)
        _, second = services.access_revoke(grant=grant, actor=admin_user)
        assert (first, second) == (True, False)
        assert AuditEvent.objects.filter(action="access.revoked").count() == 1

    def test_access_past_its_date_is_already_expired(self, admin_user, learner):
        grant = GrantFactory(user=learner, expires_at=timezone.now() - DAY)
        _, changed = services.access_revoke(grant=grant, actor=admin_user)
        grant.refresh_from_db()
        assert not changed and grant.end_reason == "" and grant.status == "Expired"
        assert not AuditEvent.objects.exists()

    def test_the_page_says_it_was_already_revoked(self, admin_client, learner):
        grant = GrantFactory(user=learner, content=ContentFactory(title="Safety"))
        url = f"{tab_url(learner)}{grant.pk}/revoke/"
        assert "Access to Safety revoked." in shown(admin_client, admin_client.post(url))
        page = shown(admin_client, admin_client.post(url))
        assert "Access to Safety was already revoked on" in page and "Nothing changed." in page
        assert "Access to Safety revoked." not in page
        assert AuditEvent.objects.filter(action="access.revoked").count() == 1

    def test_the_page_says_it_already_expired(self, admin_client, learner):
        grant = GrantFactory(
            user=learner,
            content=ContentFactory(title="Safety"),
            expires_at=timezone.now() - 2 * DAY,
            ended_at=timezone.now() - DAY,
            end_reason=AccessGrant.EndReason.EXPIRED,
        )
        page = shown(admin_client, admin_client.post(f"{tab_url(learner)}{grant.pk}/revoke/"))
        expired_on = timezone.localtime(grant.expires_at).date().isoformat()
        assert f"Access to Safety already expired on {expired_on}. Nothing changed." in page
        assert not AuditEvent.objects.exists()


# Reinstate, archive and unarchive.


class TestStateAlreadyReached:
    def test_reinstating_open_access_writes_no_event(self, admin_user, learner):
        grant = GrantFactory(user=learner)
        _, changed = services.access_reinstate(grant=grant, actor=admin_user)
        assert not changed and not AuditEvent.objects.exists()

    def test_the_page_says_there_is_nothing_to_reinstate(self, admin_client, learner):
        grant = GrantFactory(user=learner, content=ContentFactory(title="Safety"))
        page = shown(admin_client, admin_client.post(f"{tab_url(learner)}{grant.pk}/reinstate/"))
        assert (
            "Safety is already open to this learner, with no end date, and not archived. "
            "Nothing changed."
        ) in page
        assert "reinstated" not in page

    def test_a_reinstatement_names_the_new_expiry(self, admin_client, learner):
        grant = GrantFactory(
            user=learner,
            content=ContentFactory(title="Safety"),
            expires_at=timezone.now() - DAY,
            ended_at=timezone.now(),
            end_reason=AccessGrant.EndReason.EXPIRED,
        )
        response = admin_client.post(
            f"{tab_url(learner)}{grant.pk}/reinstate/", {"expires_at": day(20)}
        )
        assert f"Safety reinstated, with access until {day(20)}." in shown(admin_client, response)

    def test_archiving_twice_writes_one_event(self, learner, archiving_on):
        grant = GrantFactory(user=learner)
        assert services.access_archive(grant=grant, actor=learner)[1]
        assert not services.access_archive(grant=grant, actor=learner)[1]
        assert AuditEvent.objects.filter(action="access.archived").count() == 1

    def test_unarchiving_what_is_not_archived_writes_no_event(self, learner, archiving_on):
        grant = GrantFactory(user=learner)
        assert not services.access_unarchive(grant=grant, actor=learner)[1]
        assert not AuditEvent.objects.filter(action="access.unarchived").exists()

    def test_the_learner_is_told_it_is_already_archived(
        self, learner_client, learner, archiving_on
    ):
        grant = GrantFactory(
            user=learner, content=ContentFactory(title="Done"), archived_at=timezone.now()
        )
        page = shown(learner_client, learner_client.post(f"/my/access/{grant.pk}/archive/"))
        assert "Done is already in your Archive." in page
        assert "moved to your Archive" not in page

    def test_the_learner_is_told_it_is_not_archived(self, learner_client, learner, archiving_on):
        grant = GrantFactory(user=learner, content=ContentFactory(title="Doing"))
        page = shown(learner_client, learner_client.post(f"/my/access/{grant.pk}/unarchive/"))
        assert "Doing is already in your content, not in your Archive." in page
        assert "is back in your content" not in page


class TestSettingsAlreadySet:
    def test_the_same_value_writes_no_event(self, admin_user):
        assert services.access_settings_update(actor=admin_user, learner_archiving=False) == (
            AccessSettings.load(),
            False,
        )
        assert not AuditEvent.objects.exists()

    def test_the_page_says_so(self, admin_client):
        page = shown(admin_client, admin_client.post("/manage/settings/access/", {}))
        assert "Learner archiving is already off. Nothing changed." in page
        page = shown(
            admin_client,
            admin_client.post("/manage/settings/access/", {"learner_archiving": "on"}),
        )
        assert "Learner archiving turned on." in page


# The grant page of content a subscription or learning path opened.


@pytest.mark.parametrize("kind", ["plan", "path"])
def test_grant_page_of_content_opened_by_a_plan_or_path_makes_no_template_query(
    admin_client, admin_user, learner, kind
):
    course = ContentFactory(title="Video one")
    item = (
        PlanFactory(name="All Access", contents=[course])
        if kind == "plan"
        else LearningPathFactory(title="All Access", contents=[course])
    )
    services.access_grant(user=learner, item=item, actor=admin_user)
    child = AccessGrant.objects.get(user=learner, content=course)
    response = admin_client.get(f"{tab_url(learner)}{child.pk}/")
    assert response.status_code == 200
    assert "(via All Access)" in response.content.decode()
