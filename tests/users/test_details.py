import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import PASSWORD, AdminFactory, LearnerFactory, SupportFactory
from users import audit
from users.models import AuditEvent, Invitation, ProfileField, ProfileValue, User, UserSession
from users.roles import Role, role_of

pytestmark = pytest.mark.django_db


def url(user, action="details"):
    return f"/manage/users/{user.pk}/{action}/"


def form_data(user, **changes):
    data = {
        "version": user.version,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": str(user.phone or ""),
        "street": user.street,
        "city": user.city,
        "region": user.region,
        "postal_code": user.postal_code,
        "country": user.country,
        "new_password": "",
        "role": role_of(user).value,
    }
    data.update(changes)
    return data


def signed_in_client(user):
    other = Client()
    other.force_login(user)
    return other


def is_signed_in(client):
    return client.get("/").status_code == 200


class TestBasicInfo:
    def test_the_tab_shows_the_record(self, admin_client):
        learner = LearnerFactory(first_name="Grace", last_name="Hopper", city="Arlington")
        page = admin_client.get(url(learner)).content.decode()
        for text in ("Basic info", "Grace", "Hopper", "Arlington", "New Password", "History"):
            assert text in page
        assert 'aria-current="page"' in page

    def test_save_changes_the_name_and_records_old_and_new(self, admin_client, admin_user):
        learner = LearnerFactory(first_name="Grace", last_name="Hopper")
        response = admin_client.post(url(learner), form_data(learner, first_name="Ada"))
        assert response.status_code == 302
        learner.refresh_from_db()
        assert learner.first_name == "Ada" and learner.version == 2
        event = AuditEvent.objects.get(subject=learner, action="user.updated")
        assert event.actor == admin_user
        assert event.changes == {"first_name": ["Grace", "Ada"]}
        page = admin_client.get(url(learner)).content.decode()
        assert "Saved: First name." in page and "Grace → Ada" in page

    def test_nothing_changed_writes_nothing(self, admin_client):
        learner = LearnerFactory()
        admin_client.post(url(learner), form_data(learner))
        assert not AuditEvent.objects.filter(subject=learner).exists()

    def test_email_stays_unique_regardless_of_case(self, admin_client):
        LearnerFactory(email="taken@example.com")
        learner = LearnerFactory(first_name="Keep")
        response = admin_client.post(
            url(learner), form_data(learner, email="TAKEN@example.com", first_name="Changed")
        )
        assert response.status_code == 200
        assert "Another user already has this e-mail address." in response.content.decode()
        learner.refresh_from_db()
        assert learner.first_name == "Keep"  # nothing partially saved

    def test_email_is_stored_lower_case(self, admin_client):
        learner = LearnerFactory()
        admin_client.post(url(learner), form_data(learner, email="New.Address@Example.COM"))
        learner.refresh_from_db()
        assert learner.email == "new.address@example.com"

    def test_phone_is_validated_and_stored_as_e164(self, admin_client):
        learner = LearnerFactory()
        bad = admin_client.post(url(learner), form_data(learner, phone="call me maybe"))
        assert "Enter a valid phone number" in bad.content.decode()
        admin_client.post(url(learner), form_data(learner, phone="+44 20 7946 0958"))
        learner.refresh_from_db()
        assert str(learner.phone) == "+442079460958"

    @pytest.mark.parametrize(
        "field,value,message",
        [
            ("first_name", "x" * 151, "at most 150 characters"),
            ("email", "", "This field is required."),
            ("email", "not an email", "Enter a valid email address."),
            ("postal_code", "9" * 21, "at most 20 characters"),
            ("version", "abc", "Enter a whole number."),
            ("role", "superuser", "Select a valid choice."),
        ],
    )
    def test_bad_input_is_a_field_message_and_changes_nothing(
        self, admin_client, field, value, message
    ):
        learner = LearnerFactory(first_name="Same")
        before = AuditEvent.objects.count()
        response = admin_client.post(
            url(learner), form_data(learner, **{"first_name": "Other", field: value})
        )
        assert response.status_code == 200
        assert message in response.content.decode()
        learner.refresh_from_db()
        assert learner.first_name == "Same" and AuditEvent.objects.count() == before


class TestNewPassword:
    def test_admin_sets_a_password_and_the_learners_sessions_end(self, admin_client):
        learner = LearnerFactory()
        learner_browser = signed_in_client(learner)
        assert is_signed_in(learner_browser)
        new = "blue-coffee-mountain-77"
        response = admin_client.post(url(learner), form_data(learner, new_password=new))
        assert response.status_code == 302
        assert not UserSession.objects.filter(user_id=learner.pk).exists()
        assert learner_browser.get("/").status_code == 302  # sent to sign in
        assert (
            Client().post("/sign_in", {"username": learner.email, "password": new}).status_code
            == 302
        )
        event = AuditEvent.objects.get(subject=learner, action="user.updated")
        assert event.changes == {"password": ["changed", "changed"]}
        with connection.cursor() as cursor:
            cursor.execute("SELECT CAST(changes AS TEXT) FROM users_auditevent")
            assert all(new not in row[0] for row in cursor.fetchall())

    def test_weak_password_is_refused_at_the_field(self, admin_client):
        learner = LearnerFactory()
        response = admin_client.post(url(learner), form_data(learner, new_password="12345678"))
        page = response.content.decode()
        assert "This password is too common." in page or "entirely numeric" in page
        learner.refresh_from_db()
        assert learner.check_password(PASSWORD)


class TestRole:
    def test_admin_makes_a_learner_customer_service(self, admin_client):
        learner = LearnerFactory()
        admin_client.post(url(learner), form_data(learner, role=Role.CUSTOMER_SERVICE))
        assert role_of(User.objects.get(pk=learner.pk)) == Role.CUSTOMER_SERVICE
        event = AuditEvent.objects.get(subject=learner)
        assert event.changes == {"role": ["Learner", "Customer Service"]}

    def test_customer_service_is_not_offered_admin_and_cannot_force_it(self, support_client):
        learner = LearnerFactory()
        page = support_client.get(url(learner)).content.decode()
        assert 'value="admin"' not in page
        response = support_client.post(url(learner), form_data(learner, role=Role.ADMIN))
        assert "Select a valid choice." in response.content.decode()
        assert role_of(User.objects.get(pk=learner.pk)) == Role.LEARNER

    def test_downgrade_ends_sessions(self, admin_client):
        support = SupportFactory()
        their_browser = signed_in_client(support)
        admin_client.post(url(support), form_data(support, role=Role.LEARNER))
        assert not Group.objects.filter(user=support).exists()
        assert their_browser.get("/").status_code == 302

    def test_customer_service_can_only_look_at_an_admin(self, support_client):
        admin = AdminFactory(first_name="Boss")
        page = support_client.get(url(admin)).content.decode()
        assert "your role does not allow changing it" in page
        response = support_client.post(url(admin), form_data(admin, first_name="Hacked"))
        assert response.status_code == 403
        admin.refresh_from_db()
        assert admin.first_name == "Boss"


class TestConcurrentSave:
    def test_the_later_save_is_refused_and_shows_what_changed(self, admin_client):
        learner = LearnerFactory(first_name="Original")
        opened = form_data(learner)  # both admins open the form at version 1
        other_admin = signed_in_client(AdminFactory(email="other.admin@school.example"))
        assert other_admin.post(url(learner), {**opened, "first_name": "First"}).status_code == 302
        response = admin_client.post(url(learner), {**opened, "first_name": "Second"})
        assert response.status_code == 200
        page = response.content.decode()
        assert "changed since you opened it" in page
        assert "other.admin@school.example" in page and "Original → First" in page
        learner.refresh_from_db()
        assert learner.first_name == "First"
        # Saving again after review applies the change knowingly.
        version = re.search(r'name="version" value="(\d+)"', page).group(1)
        again = admin_client.post(
            url(learner), {**opened, "version": version, "first_name": "Second"}
        )
        assert again.status_code == 302
        learner.refresh_from_db()
        assert learner.first_name == "Second"


class TestDisableEnable:
    def test_disable_ends_every_session_at_once(self, admin_client):
        learner = LearnerFactory()
        browsers = [signed_in_client(learner), signed_in_client(learner)]
        assert UserSession.objects.filter(user_id=learner.pk).count() == 2
        response = admin_client.post(url(learner, "disable"), {"reason": "left the company"})
        assert response.status_code == 302
        assert not UserSession.objects.filter(user_id=learner.pk).exists()
        assert all(browser.get("/").status_code == 302 for browser in browsers)
        learner.refresh_from_db()
        assert not learner.is_active
        refused = Client().post("/sign_in", {"username": learner.email, "password": PASSWORD})
        assert refused.status_code == 200
        event = AuditEvent.objects.get(subject=learner, action="user.disabled")
        assert event.note == "left the company"

    def test_enable_lets_them_back(self, admin_client):
        learner = LearnerFactory(is_active=False)
        admin_client.post(url(learner, "enable"))
        assert (
            Client().post("/sign_in", {"username": learner.email, "password": PASSWORD}).status_code
            == 302
        )

    def test_get_asks_for_confirmation_and_changes_nothing(self, admin_client):
        learner = LearnerFactory()
        response = admin_client.get(url(learner, "disable"))
        assert response.status_code == 200
        page = response.content.decode()
        assert f"Disable {learner.email}?" in page and "signed out everywhere" in page
        assert f'action="/manage/users/{learner.pk}/disable/"' in page
        learner.refresh_from_db()
        assert learner.is_active

    def test_enable_confirmation_page(self, admin_client):
        learner = LearnerFactory(is_active=False)
        page = admin_client.get(url(learner, "enable")).content.decode()
        assert f"Enable {learner.email}?" in page and "Enable user" in page
        learner.refresh_from_db()
        assert not learner.is_active

    def test_nobody_disables_themselves(self, admin_client, admin_user):
        admin_client.post(url(admin_user, "disable"))
        admin_user.refresh_from_db()
        assert admin_user.is_active

    def test_disabled_list_shows_them(self, admin_client):
        learner = LearnerFactory(email="gone@example.com")
        admin_client.post(url(learner, "disable"))
        page = admin_client.get("/manage/users/learners/?disabled=1").content.decode()
        assert "gone@example.com" in page


class TestInvite:
    def test_resend_invite_sends_one_mail_per_click_and_the_link_works(
        self, admin_client, django_capture_on_commit_callbacks
    ):
        learner = LearnerFactory(email="new.hire@example.com", last_login=None)
        page = admin_client.get(url(learner)).content.decode()
        assert "Resend Invite" in page
        key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(url(learner, "resend-invite"), {"request_key": key})
            admin_client.post(url(learner, "resend-invite"), {"request_key": key})
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.hire@example.com"]
        assert Invitation.objects.filter(user=learner).count() == 1
        invitation = Invitation.objects.select_related("email").get(user=learner)
        assert invitation.email.status == "sent" and invitation.email.body == ""
        assert "Last invite sent" in admin_client.get(url(learner)).content.decode()
        path = re.search(r"http://testserver(/invite/\S+/)", mail.outbox[0].body).group(1)
        new = "orange-river-boat-31"
        client = Client()
        response = client.post(path, {"new_password1": new, "new_password2": new})
        assert response.status_code == 302
        learner.refresh_from_db()
        assert learner.check_password(new) and learner.invite_accepted_at is not None
        assert client.get(path).status_code == 404  # used up

    def test_not_offered_once_signed_in_and_the_tab_says_why(self, admin_client):
        from django.utils import timezone

        learner = LearnerFactory(last_login=timezone.now())
        page = admin_client.get(url(learner)).content.decode()
        assert "Resend Invite" not in page
        assert "Forgot Password" in page and "/sign_in" in page
        admin_client.post(url(learner, "resend-invite"), {"request_key": "k" * 20})
        assert not Invitation.objects.exists()

    def test_unknown_token_is_a_friendly_page(self, client):
        response = client.get("/invite/not-a-real-token/")
        assert response.status_code == 404
        assert "no longer works" in response.content.decode()


class TestProfileFields:
    def test_reference_fields_are_editable_and_others_read_only(self, admin_client):
        employee = ProfileField.objects.create(
            kind=ProfileField.Kind.REFERENCE, key="employee-id", label="Employee ID"
        )
        survey = ProfileField.objects.create(
            kind=ProfileField.Kind.SURVEY, key="goal", label="Your goal"
        )
        learner = LearnerFactory()
        ProfileValue.objects.create(user=learner, field=survey, value="Get certified")
        page = admin_client.get(url(learner)).content.decode()
        assert "Employee ID" in page and "Get certified" in page
        assert 'name="ref_goal"' not in page
        admin_client.post(url(learner), form_data(learner, **{"ref_employee-id": "E-1001"}))
        assert ProfileValue.objects.get(user=learner, field=employee).value == "E-1001"
        event = AuditEvent.objects.get(subject=learner)
        assert event.changes == {"reference:employee-id": ["", "E-1001"]}


class TestDualRole:
    def test_switching_between_manager_and_learner_records(self, admin_client):
        from users.models import UserSettings

        manager = SupportFactory(email="dual@school.example")
        assert "Dual Role" not in admin_client.get(url(manager)).content.decode()
        UserSettings.objects.update_or_create(singleton_id=1, defaults={"dual_role": True})
        response = admin_client.post(url(manager, "learner-record"))
        learner_record = User.objects.get(learner_record_of=manager)
        assert response.url == url(learner_record)
        assert learner_record.email == "dual@school.example"
        assert "Switch to admin record" in admin_client.get(url(learner_record)).content.decode()
        assert "Switch to learner record" in admin_client.get(url(manager)).content.decode()
        # Signing in with that e-mail is still the manager.
        client = Client()
        client.post("/sign_in", {"username": "dual@school.example", "password": PASSWORD})
        assert client.get("/manage/").status_code == 200


class TestHistory:
    def test_history_pages_and_names_the_real_admin(self, admin_client, admin_user):
        learner = LearnerFactory()
        token = audit.bind_request(ip_address=None, user_agent="", real_actor_id=admin_user.pk)
        try:
            audit.record(actor=learner, subject=learner, action="learner.did.something")
        finally:
            audit.unbind_request(token)
        for number in range(25):
            audit.record(actor=admin_user, subject=learner, action=f"step.{number}")
        first = admin_client.get(url(learner))
        assert len(first.context["history"].rows) == 20
        older = admin_client.get(url(learner), {"history": first.context["history"].next_cursor})
        page = older.content.decode()
        assert "learner.did.something" in page
        assert f"impersonated by {admin_user.email}" in page

    def test_details_costs_the_same_queries_with_1_or_50_history_rows(
        self, admin_client, admin_user
    ):
        learner = LearnerFactory()
        audit.record(actor=admin_user, subject=learner, action="one")

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert admin_client.get(url(learner)).status_code == 200
            return len(queries)

        count()  # warm: a flushed database creates its settings rows on first use
        small = count()
        for number in range(49):
            audit.record(actor=admin_user, subject=learner, action=f"more.{number}")
        ProfileField.objects.create(kind=ProfileField.Kind.REFERENCE, key="crm", label="CRM id")
        assert count() == small


class TestSettings:
    def test_admin_switches_dual_role_on_and_it_is_audited(self, admin_client):
        response = admin_client.post(
            "/manage/settings/users/",
            {"dual_role": "on", "notify_impersonation": "on", "impersonation_minutes": "45"},
        )
        assert response.status_code == 302
        event = AuditEvent.objects.get(action="settings.users.updated")
        assert event.changes["dual_role"] == [False, True]

    def test_bad_minutes_are_a_field_message(self, admin_client):
        response = admin_client.post("/manage/settings/users/", {"impersonation_minutes": "0"})
        assert "Choose between 1 and 480 minutes." in response.content.decode()

    def test_customer_service_cannot_change_school_settings(self, support_client):
        assert support_client.get("/manage/settings/users/").status_code == 403
        support_client.post(
            "/manage/settings/users/", {"dual_role": "on", "impersonation_minutes": "30"}
        )
        assert not AuditEvent.objects.filter(action="settings.users.updated").exists()


def test_history_reads_in_words(admin_client):
    """Actions and values as an admin reads them: no raw codes, timestamps or no-op arrows."""
    learner = LearnerFactory(first_name="Lin")
    audit.record(
        actor=None,
        subject=learner,
        action="payments.subscription_started",
        changes={
            "current_period_end": [None, "2026-12-29T03:01:40.018003+00:00"],
            "is_default": [None, True],
            "password": [audit.REDACTED, audit.REDACTED],
        },
    )
    page = admin_client.get(f"/manage/users/{learner.pk}/details/").content.decode()
    assert "Payments: subscription started" in page
    assert "<strong>current period end</strong>: — → 2026-12-29 03:01</li>" in page
    assert "<strong>is default</strong>: — → yes</li>" in page
    assert "<strong>password</strong>: changed</li>" in page


class TestMessagesTellWhatChanged:
    """A page that says something changed has changed it, and names it; otherwise it says
    nothing changed and writes no audit event."""

    def test_the_message_names_every_changed_field(self, admin_client):
        learner = LearnerFactory(first_name="Grace", city="Arlington")
        admin_client.post(url(learner), form_data(learner, first_name="Ada", city="Boston"))
        page = admin_client.get(url(learner)).content.decode()
        assert "Saved: First name, City." in page

    def test_disabling_a_disabled_user_says_so_and_writes_nothing(self, admin_client):
        learner = LearnerFactory(is_active=False)
        response = admin_client.post(f"/manage/users/{learner.pk}/disable/", follow=True)
        assert f"{learner.email} is already disabled. Nothing changed." in response.content.decode()
        assert not AuditEvent.objects.filter(subject=learner).exists()

    def test_enabling_an_active_user_says_so_and_writes_nothing(self, admin_client):
        learner = LearnerFactory()
        response = admin_client.post(f"/manage/users/{learner.pk}/enable/", follow=True)
        page = response.content.decode()
        assert f"{learner.email} is already active and can sign in. Nothing changed." in page
        assert not AuditEvent.objects.filter(subject=learner).exists()

    def test_user_settings_say_what_changed_or_that_nothing_did(self, admin_client):
        from users.models import UserSettings

        current = UserSettings.load()
        data = {"impersonation_minutes": current.impersonation_minutes}
        if current.dual_role:
            data["dual_role"] = "on"
        if current.notify_impersonation:
            data["notify_impersonation"] = "on"
        response = admin_client.post("/manage/settings/users/", data, follow=True)
        assert "Nothing to save: no setting changed." in response.content.decode()
        assert not AuditEvent.objects.filter(action="settings.users.updated").exists()
        data["impersonation_minutes"] = current.impersonation_minutes + 5
        response = admin_client.post("/manage/settings/users/", data, follow=True)
        assert "Saved: Impersonation time limit (minutes)." in response.content.decode()
        assert AuditEvent.objects.filter(action="settings.users.updated").count() == 1
