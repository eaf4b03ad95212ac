"""Access services: each change checks its rule and writes exactly one audit event."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from access import panoramas, services
from access.models import AccessGrant, AccessSettings, Sublicense, SublicenseSeat
from tests.access.factories import (
    ContentFactory,
    GrantFactory,
    LearningPathFactory,
    PanoramaFactory,
    SublicenseFactory,
)
from tests.factories import AdminFactory, LearnerFactory
from users.models import AuditEvent

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def events(action):
    return list(AuditEvent.objects.filter(action=action))


def in_days(days):
    return services.end_of_day(timezone.localdate() + datetime.timedelta(days=days))


class TestGrantAndRevoke:
    def test_a_double_click_gives_one_grant_and_one_event(self, admin_user, learner):
        course = ContentFactory()
        first = services.access_grant(user=learner, item=course, actor=admin_user)
        second = services.access_grant(user=learner, item=course, actor=admin_user)
        assert first.pk == second.pk
        assert AccessGrant.objects.filter(user=learner).count() == 1
        assert len(events("access.granted")) == 1

    def test_a_learning_path_opens_its_content(self, admin_user, learner):
        a, b = ContentFactory(), ContentFactory()
        path = LearningPathFactory(contents=[a, b])
        grant = services.access_grant(user=learner, item=path, actor=admin_user)
        children = AccessGrant.objects.filter(parent=grant)
        assert {c.content for c in children} == {a, b}
        assert {c.source for c in children} == {AccessGrant.Source.LEARNING_PATH}

    def test_revoke_ends_it_and_keeps_the_row(self, admin_user, learner):
        grant = services.access_grant(user=learner, item=ContentFactory(), actor=admin_user)
        services.access_revoke(grant=grant, actor=admin_user, reason="Refunded")
        grant.refresh_from_db()
        assert grant.status == "Revoked" and grant.ended_by == admin_user
        [event] = events("access.revoked")
        assert event.note == "Refunded"


class TestExpiryChange:
    def test_names_both_dates_in_one_event(self, admin_user, learner):
        grant = services.access_grant(
            user=learner, item=ContentFactory(), actor=admin_user, expires_at=in_days(5)
        )
        services.access_expiry_change(grant=grant, expires_at=in_days(30), actor=admin_user)
        grant.refresh_from_db()
        assert grant.expires_at == in_days(30)
        [event] = events("access.expiry_changed")
        assert event.changes["expires_at"] == [in_days(5).isoformat(), in_days(30).isoformat()]
        assert event.subject == learner

    def test_clearing_means_no_expiry(self, admin_user, learner):
        grant = services.access_grant(
            user=learner, item=ContentFactory(), actor=admin_user, expires_at=in_days(5)
        )
        services.access_expiry_change(grant=grant, expires_at=None, actor=admin_user)
        grant.refresh_from_db()
        assert grant.expires_at is None and grant.status == "Active"

    def test_past_date_is_refused_and_changes_nothing(self, admin_user, learner):
        grant = services.access_grant(
            user=learner, item=ContentFactory(), actor=admin_user, expires_at=in_days(5)
        )
        with pytest.raises(ValidationError) as error:
            services.access_expiry_change(
                grant=grant, expires_at=timezone.now() - DAY, actor=admin_user
            )
        assert "Revoke" in str(error.value.message_dict["expires_at"])
        grant.refresh_from_db()
        assert grant.expires_at == in_days(5)
        assert not events("access.expiry_changed")

    def test_a_path_moves_its_content_with_it(self, admin_user, learner):
        path = LearningPathFactory(contents=[ContentFactory(), ContentFactory()])
        grant = services.access_grant(
            user=learner, item=path, actor=admin_user, expires_at=in_days(5)
        )
        services.access_expiry_change(grant=grant, expires_at=in_days(9), actor=admin_user)
        assert {c.expires_at for c in grant.children.all()} == {in_days(9)}

    def test_an_ended_grant_is_not_adjusted(self, admin_user, learner):
        grant = services.access_grant(user=learner, item=ContentFactory(), actor=admin_user)
        services.access_revoke(grant=grant, actor=admin_user)
        with pytest.raises(ValidationError):
            services.access_expiry_change(grant=grant, expires_at=in_days(3), actor=admin_user)

    def test_support_may_not_change_an_admins_access(self, support_user):
        other_admin = AdminFactory()
        grant = GrantFactory(user=other_admin)
        with pytest.raises(PermissionDenied):
            services.access_expiry_change(grant=grant, expires_at=in_days(3), actor=support_user)

    def test_a_learner_may_not_change_their_own_expiry(self, learner):
        grant = GrantFactory(user=learner, expires_at=in_days(3))
        with pytest.raises(PermissionDenied):
            services.access_expiry_change(grant=grant, expires_at=None, actor=learner)


@pytest.fixture
def archiving_on(admin_user):
    services.access_settings_update(actor=admin_user, learner_archiving=True)


class TestArchiveAndReinstate:
    def test_archiving_is_off_by_default(self, learner):
        grant = GrantFactory(user=learner)
        assert AccessSettings.load().learner_archiving is False
        with pytest.raises(PermissionDenied):
            services.access_archive(grant=grant, actor=learner)

    def test_learner_archives_their_own_item(self, learner, archiving_on):
        grant = GrantFactory(user=learner)
        services.access_archive(grant=grant, actor=learner)
        grant.refresh_from_db()
        assert grant.archived_at is not None and grant.status == "Archived by learner"
        [event] = events("access.archived")
        assert event.actor == learner

    def test_nobody_archives_someone_elses_item(self, learner, archiving_on):
        grant = GrantFactory(user=LearnerFactory())
        with pytest.raises(PermissionDenied):
            services.access_archive(grant=grant, actor=learner)

    def test_unarchive(self, learner, archiving_on):
        grant = GrantFactory(user=learner, archived_at=timezone.now())
        services.access_unarchive(grant=grant, actor=learner)
        grant.refresh_from_db()
        assert grant.archived_at is None

    def test_admin_reinstates_an_archived_item(self, admin_user, learner):
        grant = GrantFactory(user=learner, archived_at=timezone.now())
        services.access_reinstate(grant=grant, actor=admin_user)
        grant.refresh_from_db()
        assert grant.status == "Active"
        [event] = events("access.reinstated")
        assert event.changes["status"] == ["Archived by learner", "Active"]

    def test_an_expired_item_needs_a_new_expiry(self, admin_user, learner):
        grant = GrantFactory(
            user=learner,
            expires_at=timezone.now() - DAY,
            ended_at=timezone.now(),
            end_reason=AccessGrant.EndReason.EXPIRED,
        )
        with pytest.raises(ValidationError) as error:
            services.access_reinstate(grant=grant, actor=admin_user)
        assert "expires_at" in error.value.message_dict
        with pytest.raises(ValidationError):
            services.access_reinstate(
                grant=grant, actor=admin_user, expires_at=timezone.now() - DAY
            )
        services.access_reinstate(grant=grant, actor=admin_user, expires_at=in_days(7))
        grant.refresh_from_db()
        assert grant.is_active and grant.expires_at == in_days(7) and grant.end_reason == ""
        assert len(events("access.reinstated")) == 1

    def test_reinstating_a_path_reopens_its_content(self, admin_user, learner):
        path = LearningPathFactory(contents=[ContentFactory(), ContentFactory()])
        grant = services.access_grant(
            user=learner, item=path, actor=admin_user, expires_at=in_days(1)
        )
        services.access_expire_due(now=timezone.now() + 3 * DAY)
        assert not grant.children.filter(ended_at__isnull=True).exists()
        services.access_reinstate(grant=grant, actor=admin_user, expires_at=in_days(10))
        assert grant.children.filter(ended_at__isnull=True, expires_at=in_days(10)).count() == 2

    def test_reinstate_refuses_when_the_item_is_open_again(self, admin_user, learner):
        course = ContentFactory()
        old = GrantFactory(
            user=learner,
            content=course,
            ended_at=timezone.now(),
            end_reason=AccessGrant.EndReason.EXPIRED,
            expires_at=timezone.now() - DAY,
        )
        services.access_grant(user=learner, item=course, actor=admin_user)
        with pytest.raises(ValidationError, match="already open"):
            services.access_reinstate(grant=old, actor=admin_user, expires_at=in_days(3))

    def test_revoked_access_is_not_reinstated(self, admin_user, learner):
        grant = GrantFactory(
            user=learner, ended_at=timezone.now(), end_reason=AccessGrant.EndReason.REVOKED
        )
        with pytest.raises(ValidationError):
            services.access_reinstate(grant=grant, actor=admin_user, expires_at=in_days(3))


class TestExpireDue:
    def test_ends_what_is_past_its_date_once(self, learner):
        past = GrantFactory(user=learner, expires_at=timezone.now() - DAY)
        future = GrantFactory(user=learner, expires_at=timezone.now() + DAY)
        forever = GrantFactory(user=learner)
        assert services.access_expire_due() == 1
        assert services.access_expire_due() == 0
        past.refresh_from_db(), future.refresh_from_db(), forever.refresh_from_db()
        assert past.end_reason == AccessGrant.EndReason.EXPIRED and past.ended_at
        assert future.ended_at is None and forever.ended_at is None
        [event] = events("access.expired")
        assert event.actor is None and event.actor_label == "system"
        assert event.subject == learner

    def test_one_event_per_ended_grant_across_batches(self):
        GrantFactory.create_batch(7, expires_at=timezone.now() - DAY)
        assert services.access_expire_due(batch_size=3) == 7
        assert len(events("access.expired")) == 7


class TestSeats:
    def test_assign_counts_the_seat_and_opens_content(self, admin_user, learner):
        course = ContentFactory()
        team = SublicenseFactory(seat_limit=2)
        team.contents.set([course])
        seat = panoramas.seat_assign(user=learner, sublicense=team, actor=admin_user).seat
        team.refresh_from_db()
        assert team.seats_used == 1 and seat.sublicense == team
        grant = AccessGrant.objects.get(user=learner, content=course)
        assert grant.source == AccessGrant.Source.SUBLICENSE
        [event] = events("access.seat_assigned")
        assert event.changes["sublicense"] == [None, team.name]

    def test_moving_within_a_panorama_frees_the_old_seat(self, admin_user, learner):
        panorama = PanoramaFactory()
        shared, only_old = ContentFactory(), ContentFactory()
        old = SublicenseFactory(panorama=panorama, seat_limit=5)
        old.contents.set([shared, only_old])
        new = SublicenseFactory(panorama=panorama, seat_limit=5)
        new.contents.set([shared])
        panoramas.seat_assign(user=learner, sublicense=old, actor=admin_user)
        panoramas.seat_assign(user=learner, sublicense=new, actor=admin_user)
        old.refresh_from_db(), new.refresh_from_db()
        assert (old.seats_used, new.seats_used) == (0, 1)
        assert SublicenseSeat.objects.get(user=learner).sublicense == new
        assert (
            AccessGrant.objects.filter(
                user=learner, content=only_old, ended_at__isnull=True
            ).count()
            == 0
        )
        assert (
            AccessGrant.objects.filter(user=learner, content=shared, ended_at__isnull=True).count()
            == 1
        )
        assert events("access.seat_assigned")[0].changes["sublicense"] == [old.name, new.name]

    def test_assigning_the_same_sublicense_twice_is_one_seat(self, admin_user, learner):
        team = SublicenseFactory(seat_limit=1)
        panoramas.seat_assign(user=learner, sublicense=team, actor=admin_user)
        panoramas.seat_assign(user=learner, sublicense=team, actor=admin_user)
        team.refresh_from_db()
        assert team.seats_used == 1
        assert len(events("access.seat_assigned")) == 1

    def test_a_full_sublicense_refuses_with_a_message(self, admin_user):
        team = SublicenseFactory(seat_limit=1)
        panoramas.seat_assign(user=LearnerFactory(), sublicense=team, actor=admin_user)
        with pytest.raises(ValidationError) as error:
            panoramas.seat_assign(user=LearnerFactory(), sublicense=team, actor=admin_user)
        assert "is full" in error.value.message_dict["sublicense"][0]
        team.refresh_from_db()
        assert team.seats_used == 1 and SublicenseSeat.objects.count() == 1

    def test_an_expired_sublicense_refuses(self, admin_user, learner):
        team = SublicenseFactory(expires_on=timezone.localdate() - DAY)
        with pytest.raises(ValidationError, match="expired"):
            panoramas.seat_assign(user=learner, sublicense=team, actor=admin_user)


class TestPanorama:
    def test_created_with_a_main_sublicense_holding_all_its_content(self, admin_user):
        contents = ContentFactory.create_batch(3)
        panorama = panoramas.panorama_create(
            name="Acme", slug="acme", contents=contents, actor=admin_user
        )
        main = Sublicense.objects.get(panorama=panorama, is_main=True)
        assert main.name == "Main" and set(main.contents.all()) == set(contents)
        assert len(events("access.panorama_created")) == 1

    def test_a_learner_may_not_create_one(self, learner):
        with pytest.raises(PermissionDenied):
            panoramas.panorama_create(name="X", slug="x", actor=learner)


class TestSettings:
    def test_switch_is_audited_once(self, admin_user):
        services.access_settings_update(actor=admin_user, learner_archiving=True)
        services.access_settings_update(actor=admin_user, learner_archiving=True)
        assert AccessSettings.load().learner_archiving is True
        [event] = events("access.settings_changed")
        assert event.changes == {"learner_archiving": [False, True]}

    def test_support_may_not_flip_it(self, support_user):
        with pytest.raises(PermissionDenied):
            services.access_settings_update(actor=support_user, learner_archiving=True)
