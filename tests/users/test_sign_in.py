import pytest
from django.core import mail

from tests.factories import PASSWORD, LearnerFactory
from users.models import AuditEvent

pytestmark = pytest.mark.django_db

NOT_ACCEPTED = "That e-mail and password were not accepted"


def sign_in(client, email, password, **extra):
    return client.post("/sign_in", {"username": email, "password": password}, **extra)


def test_sign_in_page_links_to_forgot_password(client):
    page = client.get("/sign_in").content.decode()
    assert 'name="username"' in page and 'type="password"' in page
    assert "Forgot Password" in page


def test_sign_in_by_email_in_any_case(client):
    learner = LearnerFactory(email="maria.silva@example.com")
    response = sign_in(client, "  Maria.Silva@EXAMPLE.com ", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").context["user"] == learner


def test_sign_in_follows_a_safe_next(client, admin_user):
    response = client.post(
        "/sign_in",
        {"username": admin_user.email, "password": PASSWORD, "next": "/manage/"},
    )
    assert response.url == "/manage/"
    response = client.post(
        "/sign_in",
        {"username": admin_user.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert "evil" not in response.url


@pytest.mark.parametrize(
    "email,password",
    [("nobody@example.com", PASSWORD), ("learner@example.com", "wrong-password")],
)
def test_wrong_credentials_get_one_message(client, email, password):
    LearnerFactory(email="learner@example.com")
    response = sign_in(client, email, password)
    assert response.status_code == 200
    assert NOT_ACCEPTED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_disabled_user_cannot_sign_in_and_is_told_nothing_more(client):
    LearnerFactory(email="gone@example.com", is_active=False)
    response = sign_in(client, "gone@example.com", PASSWORD)
    page = response.content.decode()
    assert NOT_ACCEPTED in page
    assert "inactive" not in page.lower() and "disabled" not in page.lower()


@pytest.mark.parametrize(
    "data,field_error",
    [
        ({"username": "", "password": ""}, "This field is required."),
        ({"username": "not-an-email", "password": "x"}, "Enter a valid email address."),
        ({"username": "a" * 300 + "@example.com", "password": "x"}, "at most 254"),
    ],
)
def test_bad_input_is_a_field_message_not_an_error(client, data, field_error):
    response = client.post("/sign_in", data)
    assert response.status_code == 200
    assert field_error in response.content.decode()


def test_sign_out_is_post_only(client, learner):
    client.force_login(learner)
    assert client.get("/sign_out").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/sign_out")
    assert response.status_code == 302 and response.url == "/sign_in"
    assert "_auth_user_id" not in client.session


def test_sign_in_gives_a_new_session_key(client, learner):
    client.get("/sign_in")
    client.session.save()
    before = client.session.session_key
    sign_in(client, learner.email, PASSWORD)
    assert client.session.session_key != before


class TestThrottling:
    def test_repeated_wrong_passwords_lock_that_email_from_that_ip(self, client, settings):
        learner = LearnerFactory(email="target@example.com")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, "target@example.com", "wrong", REMOTE_ADDR="10.0.0.1")
        locked = sign_in(client, "TARGET@example.com", PASSWORD, REMOTE_ADDR="10.0.0.1")
        assert locked.status_code == 429
        assert "Too many attempts" in locked.content.decode()
        # The same account from another address, and another account, still sign in.
        assert sign_in(client, learner.email, PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302
        client.post("/sign_out")
        other = LearnerFactory()
        assert sign_in(client, other.email, PASSWORD, REMOTE_ADDR="10.0.0.1").status_code == 302

    def test_lock_lifts_after_the_cool_off(self, client, settings):
        from datetime import timedelta

        from axes.models import AccessAttempt

        learner = LearnerFactory()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, learner.email, "wrong")
        assert sign_in(client, learner.email, PASSWORD).status_code == 429
        for attempt in AccessAttempt.objects.all():
            attempt.attempt_time -= settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
            attempt.save()
        assert sign_in(client, learner.email, PASSWORD).status_code == 302


class TestForgotPassword:
    def test_same_answer_whether_or_not_the_email_exists(
        self, client, django_capture_on_commit_callbacks
    ):
        LearnerFactory(email="known@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            known = client.post("/forgot_password/", {"email": "known@example.com"})
            unknown = client.post("/forgot_password/", {"email": "unknown@example.com"})
        assert known.status_code == unknown.status_code == 302
        assert known.url == unknown.url == "/forgot_password/sent/"
        assert [message.to for message in mail.outbox] == [["known@example.com"]]

    def test_no_mail_before_the_transaction_commits(self, client):
        LearnerFactory(email="known@example.com")
        client.post("/forgot_password/", {"email": "known@example.com"})
        assert mail.outbox == []  # the test's transaction never commits

    def test_the_link_sets_a_new_password(self, client, django_capture_on_commit_callbacks):
        learner = LearnerFactory(email="reset@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/forgot_password/", {"email": "RESET@example.com"})
        body = mail.outbox[0].body
        link = next(line for line in body.splitlines() if "/reset/" in line).strip()
        path = link.split("testserver", 1)[1]
        form_page = client.get(path, follow=True)
        assert "Set a new password" in form_page.content.decode()
        set_url = form_page.redirect_chain[-1][0]
        weak = client.post(set_url, {"new_password1": "123", "new_password2": "123"})
        assert "too short" in weak.content.decode()
        new = "a-much-better-passphrase-42"
        done = client.post(set_url, {"new_password1": new, "new_password2": new})
        assert done.status_code == 302
        learner.refresh_from_db()
        assert learner.check_password(new)
        event = AuditEvent.objects.get(subject=learner, action="password.reset")
        assert event.changes == {"password": ["changed", "changed"]}
        assert new not in str(event.changes)
        assert sign_in(client, learner.email, new).status_code == 302

    def test_bad_email_is_a_field_message(self, client):
        response = client.post("/forgot_password/", {"email": "nope"})
        assert response.status_code == 200
        assert "Enter a valid email address." in response.content.decode()
