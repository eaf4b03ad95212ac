"""The client's address behind TRUSTED_PROXY_COUNT proxies: one function (users.auth.client_ip)
for sign-in throttling (django-axes), the audit log and the impersonation log."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory

from tests.factories import PASSWORD, LearnerFactory
from users.auth import client_ip
from users.models import AuditEvent, ImpersonationSession

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"


def request(forwarded_for=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    "count,forwarded_for,expected",
    [
        (0, None, PROXY),
        (0, "203.0.113.7", PROXY),  # nobody trusted: the header is anybody's to write
        (1, None, PROXY),  # not through the proxy (a health check): the connection
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.99, 203.0.113.7", "203.0.113.7"),  # the client's own entry ignored
        (1, " 2001:db8::7 ", "2001:db8::7"),
        (1, "not-an-address", PROXY),  # a malformed entry never reaches the database
        (1, "", PROXY),
        (2, "198.51.100.99, 203.0.113.7, 192.0.2.10", "203.0.113.7"),
        (2, "203.0.113.7", PROXY),  # fewer entries than proxies: the connection
    ],
)
def test_client_ip(settings, count, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request(forwarded_for)) == expected


def test_axes_and_the_default_are_wired(settings):
    from axes.helpers import get_client_ip_address

    assert settings.TRUSTED_PROXY_COUNT == 0
    assert settings.AXES_CLIENT_IP_CALLABLE == "users.auth.client_ip"
    assert get_client_ip_address(request("203.0.113.7")) == PROXY


def sign_in(client, email, password, forwarded_for):
    client.post("/sign_out")
    return client.post(
        "/sign_in",
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


class TestBehindOneProxy:
    @pytest.fixture(autouse=True)
    def _one_proxy(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1

    def test_two_clients_are_throttled_separately(self, client, settings):
        learner = LearnerFactory(email="target@example.com")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, learner.email, "wrong", "203.0.113.7")
        assert sign_in(client, learner.email, PASSWORD, "203.0.113.7").status_code == 429
        # Another client behind the same proxy still signs in to the same account.
        assert sign_in(client, learner.email, PASSWORD, "198.51.100.20").status_code == 302
        attempt = AccessAttempt.objects.get()
        assert attempt.ip_address == "203.0.113.7"

    def test_forged_entries_left_of_the_proxys_do_not_reset_the_count(self, client, settings):
        learner = LearnerFactory()
        for number in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, learner.email, "wrong", f"192.0.2.{number}, 203.0.113.7")
        locked = sign_in(client, learner.email, PASSWORD, "192.0.2.200, 203.0.113.7")
        assert locked.status_code == 429

    def test_audit_and_impersonation_log_record_the_client(self, admin_client, admin_user):
        learner = LearnerFactory()
        through_proxy = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
        admin_client.post(
            f"/manage/users/{learner.pk}/disable/", {"reason": "Asked"}, **through_proxy
        )
        event = AuditEvent.objects.get(subject=learner, action="user.disabled")
        assert event.ip_address == "203.0.113.7"
        other = LearnerFactory()
        admin_client.post(
            f"/manage/users/{other.pk}/impersonate/", {"reason": "Ticket 1"}, **through_proxy
        )
        assert ImpersonationSession.objects.get(learner=other).ip_address == "203.0.113.7"


class TestNoTrustedProxy:
    """TRUSTED_PROXY_COUNT = 0 (the default): a spoofed header changes nothing."""

    def test_a_spoofed_header_does_not_escape_the_lock(self, client, settings):
        learner = LearnerFactory()
        for number in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, learner.email, "wrong", f"192.0.2.{number}")
        assert sign_in(client, learner.email, PASSWORD, "198.51.100.20").status_code == 429
        assert AccessAttempt.objects.get().ip_address == PROXY

    def test_audit_records_the_connection(self, admin_client):
        learner = LearnerFactory()
        admin_client.post(
            f"/manage/users/{learner.pk}/disable/",
            {"reason": "Asked"},
            REMOTE_ADDR="198.51.100.5",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
        event = AuditEvent.objects.get(subject=learner, action="user.disabled")
        assert event.ip_address == "198.51.100.5"
