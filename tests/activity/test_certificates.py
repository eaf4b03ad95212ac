import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader

from access.services import access_grant
from activity import services
from activity.models import Certificate
from activity.pdf import StaticOnlyFetcher
from tests.activity.factories import CertificateTemplateFactory, ContentFactory
from tests.factories import AdminFactory, LearnerFactory
from users.models import AuditEvent

pytestmark = pytest.mark.django_db


def tab_url(user):
    return f"/manage/users/{user.pk}/activity/"


def issue_url(user):
    return f"/manage/users/{user.pk}/activity/certificates/issue/"


@pytest.fixture
def course(learner):
    content = ContentFactory(title="Public Speaking")
    CertificateTemplateFactory(content=content, title="Certificate of Completion")
    access_grant(user=learner, item=content, actor=None)
    return content


def test_issue_grants_at_once_with_code_and_history(admin_user, learner, course):
    certificate = services.certificate_issue(
        user=learner, content=course, actor=admin_user, reason="Passed the live talk"
    )
    assert certificate.issued_by == admin_user
    assert certificate.revoked_at is None and certificate.expires_at is None
    assert len(certificate.verification_code) == 14
    event = AuditEvent.objects.get(action="activity.certificate_issued")
    assert event.actor == admin_user and event.subject == learner
    assert event.note == "Passed the live talk"
    assert certificate.verification_code in event.changes["certificate"][1]


def test_validity_days_set_the_expiry(admin_user, learner):
    content = ContentFactory()
    CertificateTemplateFactory(content=content, validity_days=365)
    access_grant(user=learner, item=content, actor=None)
    certificate = services.certificate_issue(user=learner, content=content, actor=admin_user)
    assert certificate.expires_at - certificate.issued_at == timedelta(days=365)


def test_issuing_twice_gives_one_certificate(admin_user, learner, course):
    first = services.certificate_issue(user=learner, content=course, actor=admin_user)
    second = services.certificate_issue(user=learner, content=course, actor=admin_user)
    assert first == second
    assert Certificate.objects.filter(learner=learner).count() == 1
    assert AuditEvent.objects.filter(action="activity.certificate_issued").count() == 1


def test_the_database_refuses_a_second_valid_certificate(admin_user, learner, course):
    first = services.certificate_issue(user=learner, content=course, actor=admin_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(learner=learner, content=course, title=first.title)


def test_an_expired_certificate_is_replaced(admin_user, learner, course):
    old = services.certificate_issue(user=learner, content=course, actor=admin_user)
    Certificate.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    new = services.certificate_issue(user=learner, content=course, actor=admin_user)
    assert new.pk != old.pk
    old.refresh_from_db()
    assert old.revoked_at is not None


def test_no_access_no_certificate(admin_user, learner):
    content = ContentFactory()
    CertificateTemplateFactory(content=content)
    with pytest.raises(ValidationError, match="no access"):
        services.certificate_issue(user=learner, content=content, actor=admin_user)


def test_learners_and_support_on_admins_cannot_issue(support_user, learner, course):
    with pytest.raises(PermissionDenied):
        services.certificate_issue(user=learner, content=course, actor=learner)
    services.certificate_issue(user=learner, content=course, actor=support_user)
    admin = AdminFactory()
    access_grant(user=admin, item=course, actor=None)
    with pytest.raises(PermissionDenied):
        services.certificate_issue(user=admin, content=course, actor=support_user)


def test_issue_button_grants_the_certificate(admin_client, learner, course):
    page = admin_client.get(tab_url(learner)).content.decode()
    assert "Issue Certificate" in page and "Public Speaking" in page
    response = admin_client.post(issue_url(learner), {"content": course.pk}, follow=True)
    page = response.content.decode()
    certificate = Certificate.objects.get(learner=learner)
    assert "Certificate granted" in page
    assert certificate.verification_code in page
    assert "Already holds this certificate" in page
    assert admin_client.get(issue_url(learner)).status_code == 405


@pytest.mark.parametrize("value", ["", "abc", "-1", "0", "99999999999999999999999", "1.5"])
def test_issue_with_bad_content_changes_nothing(admin_client, learner, course, value):
    response = admin_client.post(issue_url(learner), {"content": value}, follow=True)
    assert response.status_code == 200
    assert not Certificate.objects.exists()


def test_removed_template_explains_and_refuses(admin_client, admin_user, learner, course):
    template = course.certificate_templates.get()
    services.certificate_template_remove(template=template, actor=admin_user)
    page = admin_client.get(tab_url(learner)).content.decode()
    assert "Public Speaking" in page
    assert "can no longer be granted manually" in page
    assert "no longer linked to it" in page
    assert "Issue Certificate" not in page
    with pytest.raises(ValidationError, match="no longer linked"):
        services.certificate_issue(user=learner, content=course, actor=admin_user)
    response = admin_client.post(issue_url(learner), {"content": course.pk}, follow=True)
    assert "no longer linked" in response.content.decode()
    assert not Certificate.objects.exists()


def test_removing_the_template_keeps_issued_certificates(admin_user, learner, course):
    certificate = services.certificate_issue(user=learner, content=course, actor=admin_user)
    services.certificate_template_remove(template=certificate.template, actor=admin_user)
    certificate.refresh_from_db()
    assert certificate.status == "Valid"


def test_content_without_access_or_template_is_not_listed(admin_client, learner, course):
    ContentFactory(title="Not granted")
    access_grant(user=learner, item=ContentFactory(title="No certificate here"), actor=None)
    page = admin_client.get(tab_url(learner)).content.decode()
    assert "Not granted" not in page
    assert "No certificate here" not in page


def test_revoke_needs_a_reason_then_revokes(admin_client, admin_user, learner, course):
    certificate = services.certificate_issue(user=learner, content=course, actor=admin_user)
    url = f"/manage/users/{learner.pk}/activity/certificates/{certificate.pk}/revoke/"
    assert "Revoke this certificate?" in admin_client.get(url).content.decode()
    response = admin_client.post(url, {"reason": "   "})
    assert "Say why the certificate is revoked." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None

    page = admin_client.post(url, {"reason": "Issued by mistake"}, follow=True).content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_by == admin_user and certificate.revoke_reason == "Issued by mistake"
    assert "Revoked" in page and "Issued by mistake" in page
    event = AuditEvent.objects.get(action="activity.certificate_revoked")
    assert event.note == "Issued by mistake" and event.subject == learner
    # After revoking, a new certificate can be issued.
    assert "Issue Certificate" in page


def test_customer_service_cannot_revoke(support_user, admin_user, learner, course):
    certificate = services.certificate_issue(user=learner, content=course, actor=admin_user)
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(certificate=certificate, actor=support_user, reason="no")


def test_on_completion_issues_only_with_a_template_and_once(learner, course):
    certificate = services.certificate_issue_on_completion(user=learner, content=course)
    assert certificate.issued_by is None
    assert services.certificate_issue_on_completion(user=learner, content=course) == certificate
    assert services.certificate_issue_on_completion(user=learner, content=ContentFactory()) is None
    event = AuditEvent.objects.get(action="activity.certificate_issued")
    assert event.actor is None and event.actor_label == "system"


# Verification page


def test_verification_page_shows_a_valid_certificate(client, admin_user, learner, course):
    certificate = services.certificate_issue(user=learner, content=course, actor=admin_user)
    response = client.get(f"/certificates/verify/{certificate.verification_code}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Valid</strong>" in page
    assert learner.full_name in page and "Public Speaking" in page
    lower = client.get(f"/certificates/verify/{certificate.verification_code.lower()}/")
    assert lower.status_code == 200


def test_verification_page_says_revoked_and_expired(client, admin_user, learner, course):
    certificate = services.certificate_issue(user=learner, content=course, actor=admin_user)
    Certificate.objects.filter(pk=certificate.pk).update(expires_at=timezone.now())
    url = f"/certificates/verify/{certificate.verification_code}/"
    assert "<strong>Expired</strong>" in client.get(url).content.decode()
    services.certificate_revoke(certificate=certificate, actor=admin_user, reason="Fraud")
    assert "<strong>Revoked</strong>" in client.get(url).content.decode()


@pytest.mark.parametrize("code", ["NOPE-NOPE-NOPE", "x" * 500, "<script>", "%F0%9F%98%80"])
def test_unknown_code_is_a_friendly_404(client, code):
    response = client.get(f"/certificates/verify/{code}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find that certificate" in page
    assert "<script>" not in page


# Learner page and PDFs


def test_learner_sees_and_downloads_own_certificates_only(client, admin_user, learner, course):
    mine = services.certificate_issue(user=learner, content=course, actor=admin_user)
    other = LearnerFactory()
    access_grant(user=other, item=course, actor=None)
    theirs = services.certificate_issue(user=other, content=course, actor=admin_user)
    client.force_login(learner)
    page = client.get("/my/certificates/").content.decode()
    assert mine.verification_code in page and theirs.verification_code not in page
    assert client.get(f"/certificates/{mine.pk}/pdf/").status_code == 200
    assert client.get(f"/certificates/{theirs.pk}/pdf/").status_code == 404
    services.certificate_revoke(certificate=mine, actor=admin_user, reason="Mistake")
    assert mine.verification_code not in client.get("/my/certificates/").content.decode()
    assert client.get(f"/certificates/{mine.pk}/pdf/").status_code == 404


def test_my_certificates_needs_sign_in(client):
    response = client.get("/my/certificates/")
    assert response.status_code == 302 and response.url.startswith("/sign_in")


def test_pdf_has_the_learner_and_content(admin_client, admin_user, course):
    learner = LearnerFactory(first_name="Grace", last_name="Hopper")
    access_grant(user=learner, item=course, actor=None)
    certificate = services.certificate_issue(user=learner, content=course, actor=admin_user)
    response = admin_client.get(f"/certificates/{certificate.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert certificate.verification_code in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 1
    assert "Grace Hopper" in text
    assert "Public Speaking" in text
    assert certificate.verification_code in text


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/evil.css",
        "file:///etc/passwd",
        "https://certificate.invalid/static/../../etc/passwd",
        "https://certificate.invalid/media/secret.pdf",
        "data:text/css,body{}",
    ],
)
def test_the_pdf_fetcher_refuses_everything_but_our_static_files(url):
    with pytest.raises(ValueError):
        StaticOnlyFetcher().fetch(url)


def test_the_pdf_fetcher_serves_our_static_files():
    response = StaticOnlyFetcher().fetch(
        "https://certificate.invalid/static/activity/certificate.css"
    )
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_superuser_removes_a_template_in_django_admin(client):
    from tests.factories import SuperuserFactory

    client.force_login(SuperuserFactory())
    template = CertificateTemplateFactory()
    response = client.post(
        "/django-admin/activity/certificatetemplate/",
        {"action": "remove_from_content", "_selected_action": [template.pk]},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.removed_at is not None
    assert client.get("/django-admin/activity/certificatetemplate/add/").status_code == 200


def test_issue_button_takes_an_optional_reason_for_the_history(admin_client, learner, course):
    admin_client.post(issue_url(learner), {"content": course.pk, "reason": "Public talk, 5 May"})
    event = AuditEvent.objects.get(action="activity.certificate_issued")
    assert event.note == "Public talk, 5 May"
    response = admin_client.post(issue_url(learner), {"content": course.pk, "reason": "x" * 501})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="activity.certificate_issued").count() == 1
