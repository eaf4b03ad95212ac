"""Security guarantees, checked across every /manage/ route and every record page."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from access.services import access_grant
from activity.services import certificate_issue
from tests.access.factories import ContentFactory
from tests.activity.factories import AttemptFactory, CertificateTemplateFactory
from tests.factories import AdminFactory, LearnerFactory, SupportFactory
from tests.payments.factories import paid_learner
from tests.users.test_gate import ROUTES, concrete
from users.models import AuditEvent

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

# Pages only admins may open; Customer Service gets 403 there.
ADMIN_ONLY = {
    "manage/settings/users/",
    "manage/settings/access/",
    "manage/settings/activity/",
    "manage/settings/certification/",
    "manage/settings/certification/fields/add/",
    "manage/settings/certification/fields/<int:field_id>/",
    "manage/users/<int:user_id>/privacy/erase/",
    "manage/users/<int:user_id>/privacy/erase/cancel/",
}


@pytest.mark.parametrize("route", ROUTES)
def test_customer_service_gets_what_the_role_says(support_client, route):
    learner = LearnerFactory()
    url = concrete(route, learner.pk)
    response = support_client.get(url)
    if route in ADMIN_ONLY or route.startswith("manage/settings/learner-fields/"):
        assert response.status_code in (403, 405)  # 405: a POST-only admin action
        assert support_client.post(url, {"title": "x", "reason": "x"}).status_code == 403
    else:
        assert response.status_code in (200, 302, 404, 405)


@pytest.mark.parametrize("route", ROUTES)
def test_every_manage_post_needs_a_csrf_token(admin_user, route):
    learner = LearnerFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    before = AuditEvent.objects.count()
    response = browser.post(concrete(route, learner.pk), {"reason": "x"})
    assert response.status_code == 403
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("route", ROUTES)
def test_a_get_changes_nothing(admin_client, route):
    learner = LearnerFactory()
    before = AuditEvent.objects.count()
    admin_client.get(concrete(route, learner.pk))
    assert AuditEvent.objects.count() == before


class TestNoReachingOtherRecords:
    """Ids of another learner's things in a URL reach nothing (no IDOR)."""

    def assert_unreachable(self, client, url, data=None):
        before = AuditEvent.objects.count()
        assert client.get(url).status_code in (404, 405)
        assert client.post(url, data or {"reason": "x", "amount": "1.00"}).status_code == 404
        assert AuditEvent.objects.count() == before

    def test_access_grants(self, admin_client):
        owner, other = LearnerFactory(), LearnerFactory()
        grant = access_grant(user=owner, item=ContentFactory(), actor=None)
        for action in ("", "revoke/", "reinstate/"):
            self.assert_unreachable(
                admin_client, f"/manage/users/{other.pk}/access/{grant.pk}/{action}"
            )

    def test_attempts_and_certificates(self, admin_client):
        owner, other = LearnerFactory(), LearnerFactory()
        attempt = AttemptFactory(learner=owner)
        for action in ("forgive", "unforgive"):
            self.assert_unreachable(
                admin_client,
                f"/manage/users/{other.pk}/activity/attempts/{attempt.pk}/{action}/",
            )
        template = CertificateTemplateFactory()
        access_grant(user=owner, item=template.content, actor=None)
        certificate = certificate_issue(user=owner, content=template.content, actor=None)
        self.assert_unreachable(
            admin_client,
            f"/manage/users/{other.pk}/activity/certificates/{certificate.pk}/revoke/",
        )

    def test_cards_and_transactions(self, admin_client):
        owner, purchases = paid_learner()
        other = LearnerFactory()
        card = owner.cards.get()
        for action in ("default", "remove"):
            self.assert_unreachable(
                admin_client, f"/manage/users/{other.pk}/payments/cards/{card.pk}/{action}/"
            )
        charge = purchases[0].charge
        self.assert_unreachable(
            admin_client,
            f"/manage/users/{other.pk}/payments/transactions/{charge.pk}/refund/",
        )


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_text_anyone_can_set_renders_inert(admin_client):
    """A <script> in names, address, reasons and content titles is shown, never run."""
    learner = LearnerFactory(first_name=HOSTILE, last_name=HOSTILE, city=HOSTILE)
    content = ContentFactory(title=HOSTILE)
    access_grant(user=learner, item=content, actor=AdminFactory(), note=HOSTILE)
    admin_client.post(f"/manage/users/{learner.pk}/disable/", {"reason": HOSTILE})
    pages = [
        "/manage/users/learners/?disabled=1&q=" + "script",
        f"/manage/users/{learner.pk}/details/",
        f"/manage/users/{learner.pk}/access/",
        f"/manage/users/{learner.pk}/activity/",
        f"/manage/users/{learner.pk}/engagement/",
        f"/manage/users/{learner.pk}/payments/",
        f"/manage/users/{learner.pk}/transcript/",
    ]
    for url in pages:
        response = admin_client.get(url, follow=True)
        page = response.content.decode()
        assert response.status_code == 200, url
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page, url
    details = admin_client.get(f"/manage/users/{learner.pk}/details/").content.decode()
    assert "&lt;script&gt;alert(" in details


def test_support_cannot_reach_an_admins_record_actions(support_client):
    admin = AdminFactory()
    for action in ("disable", "resend-invite", "impersonate"):
        support_client.post(f"/manage/users/{admin.pk}/{action}/", {"reason": "x"})
    admin.refresh_from_db()
    assert admin.is_active
    assert not AuditEvent.objects.filter(subject=admin).exists()
    assert SupportFactory  # the matrices live in tests/users/test_rules.py


def test_production_headers(tmp_path):
    """HSTS, CSP without unsafe-inline scripts, secure HttpOnly cookies, frames denied."""
    script = (
        "import django;django.setup();"
        "from django.test.utils import setup_test_environment;setup_test_environment();"
        "from django.test import Client;"
        "r=Client().get('/sign_in', secure=True);"
        "print(r.status_code);"
        "[print(k+': '+v) for k,v in r.headers.items()];"
        "print('cookie-secure:', r.cookies['csrftoken']['secure']);"
        "from django.conf import settings;"
        "print('session-secure:', settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings",
        DEBUG="false",
        SECRET_KEY="production-" + "s" * 60,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'headers.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    text = output.stdout
    assert text.startswith("200"), output.stdout + output.stderr
    assert "Strict-Transport-Security: max-age=31536000; includeSubDomains; preload" in text
    assert "X-Frame-Options: DENY" in text
    csp = next(line for line in text.splitlines() if line.startswith("Content-Security-Policy"))
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "cookie-secure: True" in text
    assert "session-secure: True True" in text
