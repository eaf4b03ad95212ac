import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.factories import (
    PASSWORD,
    AdminFactory,
    LearnerFactory,
    SuperuserFactory,
    SupportFactory,
)
from users.models import AuditEvent, ImpersonationSession, User, UserSettings
from users.rules import can_impersonate

pytestmark = pytest.mark.django_db

MAKERS = {
    "learner": LearnerFactory,
    "support": SupportFactory,
    "admin": AdminFactory,
    "superuser": SuperuserFactory,
}

MATRIX = {
    ("admin", "learner"): True,
    ("support", "learner"): True,
    ("superuser", "learner"): True,
    ("learner", "learner"): False,
    ("admin", "admin"): False,
    ("admin", "support"): False,
    ("admin", "superuser"): False,
    ("support", "support"): False,
    ("support", "admin"): False,
    ("support", "superuser"): False,
    ("superuser", "admin"): False,
}


@pytest.mark.parametrize("pair,allowed", sorted(MATRIX.items()))
def test_who_may_impersonate_whom(pair, allowed):
    actor, target = MAKERS[pair[0]](), MAKERS[pair[1]]()
    assert can_impersonate(actor=actor, target=target) is allowed


def test_never_yourself_never_a_disabled_learner_never_twice(admin_user):
    assert not can_impersonate(actor=admin_user, target=admin_user)
    assert not can_impersonate(actor=admin_user, target=LearnerFactory(is_active=False))
    assert not can_impersonate(
        actor=admin_user, target=LearnerFactory(), already_impersonating=True
    )


def test_manage_permission_alone_is_not_enough():
    from django.contrib.auth.models import Permission

    manager = LearnerFactory()
    manager.user_permissions.add(Permission.objects.get(codename="manage_users"))
    manager = User.objects.get(pk=manager.pk)
    assert not can_impersonate(actor=manager, target=LearnerFactory())


def start(client, learner, reason="Ticket 123"):
    return client.post(f"/manage/users/{learner.pk}/impersonate/", {"reason": reason})


def session_user_id(client):
    return int(client.session["_auth_user_id"])


class TestStartAndStop:
    def test_start_swaps_the_session_and_keeps_the_learners_last_login(
        self, admin_client, admin_user
    ):
        learner = LearnerFactory(last_login=None)
        admin_key = admin_client.session.session_key
        response = start(admin_client, learner)
        assert response.status_code == 302 and response.url == "/"
        assert session_user_id(admin_client) == learner.pk
        assert admin_client.session.session_key != admin_key
        assert admin_client.session["hijack_history"] == [str(admin_user.pk)]
        learner.refresh_from_db()
        assert learner.last_login is None
        row = ImpersonationSession.objects.get()
        assert (row.admin, row.learner, row.reason) == (admin_user, learner, "Ticket 123")

    def test_banner_on_every_page_and_manage_closed(self, admin_client):
        learner = LearnerFactory(first_name="Ivy", last_name="Lee")
        start(admin_client, learner)
        page = admin_client.get("/").content.decode()
        assert "You are signed in as Ivy Lee" in page and "Stop impersonating" in page
        assert admin_client.get("/manage/").status_code == 403

    def test_stop_returns_to_the_admin_on_that_record(self, admin_client, admin_user):
        learner = LearnerFactory()
        start(admin_client, learner)
        learner_key = admin_client.session.session_key
        response = admin_client.post("/impersonation/stop/")
        assert response.url == f"/manage/users/{learner.pk}/details/"
        assert session_user_id(admin_client) == admin_user.pk
        assert admin_client.session.session_key != learner_key
        assert admin_client.get(response.url).status_code == 200
        row = ImpersonationSession.objects.get()
        assert row.ended_at is not None and row.ended_by == "button"

    def test_a_reason_is_required(self, admin_client, admin_user):
        learner = LearnerFactory()
        response = start(admin_client, learner, reason="   ")
        assert response.status_code == 200
        assert "This field is required." in response.content.decode() or "Give a reason" in (
            response.content.decode()
        )
        assert session_user_id(admin_client) == admin_user.pk

    def test_get_only_shows_the_confirmation(self, admin_client, admin_user):
        learner = LearnerFactory()
        page = admin_client.get(f"/manage/users/{learner.pk}/impersonate/")
        assert page.status_code == 200 and "Reason" in page.content.decode()
        assert session_user_id(admin_client) == admin_user.pk

    def test_cross_site_post_without_csrf_changes_nothing(self, admin_user):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(admin_user)
        response = start(browser, LearnerFactory())
        assert response.status_code == 403
        assert session_user_id(browser) == admin_user.pk
        assert not ImpersonationSession.objects.exists()

    def test_refused_for_an_admin_target(self, support_client, support_user):
        response = start(support_client, AdminFactory())
        assert response.status_code == 403
        assert session_user_id(support_client) == support_user.pk

    def test_stop_when_not_impersonating_does_nothing(self, learner_client, learner):
        learner_client.post("/impersonation/stop/")
        assert session_user_id(learner_client) == learner.pk


class TestAudit:
    def test_start_action_and_stop_are_in_the_learners_history(
        self, admin_client, admin_user, django_capture_on_commit_callbacks
    ):
        learner = LearnerFactory()
        with django_capture_on_commit_callbacks(execute=True):
            start(admin_client, learner, reason="Ticket 9")
        admin_client.post("/forgot_password/", {"email": "someone@example.com"})
        admin_client.post("/impersonation/stop/")
        events = list(AuditEvent.objects.filter(subject=learner).order_by("id"))
        assert [event.action for event in events] == [
            "impersonation.started",
            "impersonation.request",
            "impersonation.ended",
        ]
        started, request, ended = events
        assert started.actor == admin_user and started.note == "Ticket 9"
        assert request.actor == learner and request.real_actor == admin_user
        assert "POST /forgot_password/ → 302" in request.changes["request"][1]
        assert ended.changes == {"ended_by": [None, "Stop button"]}
        page = admin_client.get(f"/manage/users/{learner.pk}/details/").content.decode()
        assert f"impersonated by {admin_user.email}" in page
        log = admin_client.get("/manage/impersonations/").content.decode()
        assert "Ticket 9" in log and learner.email in log

    def test_the_learner_is_told_by_email(self, admin_client, django_capture_on_commit_callbacks):
        learner = LearnerFactory(email="told@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            start(admin_client, learner, reason="Ticket 77")
        assert mail.outbox[0].to == ["told@example.com"]
        assert "Ticket 77" in mail.outbox[0].body

    def test_no_email_when_the_school_switched_it_off(
        self, admin_client, django_capture_on_commit_callbacks
    ):
        UserSettings.objects.update_or_create(
            singleton_id=1, defaults={"notify_impersonation": False}
        )
        with django_capture_on_commit_callbacks(execute=True):
            start(admin_client, LearnerFactory())
        assert mail.outbox == []


class TestEnding:
    def test_time_limit_ends_it_and_returns_to_sign_in(self, admin_client):
        learner = LearnerFactory()
        start(admin_client, learner)
        session = admin_client.session
        session["impersonation"]["deadline"] = (
            timezone.now() - timezone.timedelta(seconds=1)
        ).isoformat()
        session.save()
        response = admin_client.get("/")
        assert response.status_code == 302 and response.url == "/sign_in"
        assert "_auth_user_id" not in admin_client.session
        assert ImpersonationSession.objects.get().ended_by == "timeout"
        assert AuditEvent.objects.filter(
            subject=learner, action="impersonation.ended", changes__ended_by=[None, "Time limit"]
        ).exists()

    def test_the_deadline_follows_the_school_setting(self, admin_client):
        UserSettings.objects.update_or_create(singleton_id=1, defaults={"impersonation_minutes": 5})
        start(admin_client, LearnerFactory())
        deadline = timezone.datetime.fromisoformat(
            admin_client.session["impersonation"]["deadline"]
        )
        remaining = deadline - timezone.now()
        assert timezone.timedelta(minutes=4) < remaining <= timezone.timedelta(minutes=5)

    def test_sign_out_while_impersonating_ends_both(self, admin_client):
        start(admin_client, LearnerFactory())
        admin_client.post("/sign_out")
        assert "_auth_user_id" not in admin_client.session
        assert admin_client.get("/manage/").status_code == 302
        assert ImpersonationSession.objects.get().ended_by == "sign_out"


def test_the_admin_signs_in_normally_afterwards(admin_user):
    browser = Client()
    browser.post("/sign_in", {"username": admin_user.email, "password": PASSWORD})
    start(browser, LearnerFactory())
    browser.post("/impersonation/stop/")
    assert browser.get("/manage/").status_code == 200
