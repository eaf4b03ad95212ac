"""Two requests at the same moment (a double-click): one certificate, one audit event."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from access.services import access_grant
from activity import services
from activity.models import Certificate
from tests.activity.factories import CertificateTemplateFactory, ContentFactory
from tests.factories import AdminFactory, LearnerFactory
from tests.races import all_at_once
from users.models import AuditEvent

# PostgreSQL only: row locks under concurrency.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize("clicks", [2, 8])
def test_double_click_on_issue_certificate_gives_one(clicks):
    assert connection.vendor == "postgresql"
    admin, learner = AdminFactory(), LearnerFactory()
    content = ContentFactory()
    CertificateTemplateFactory(content=content)
    access_grant(user=learner, item=content, actor=None)

    results = all_at_once(
        clicks, lambda: services.certificate_issue(user=learner, content=content, actor=admin)
    )

    assert Certificate.objects.filter(learner=learner).count() == 1
    assert {certificate.pk for certificate in results} == {Certificate.objects.get().pk}
    assert AuditEvent.objects.filter(action="activity.certificate_issued").count() == 1


def test_two_concurrent_requests_on_the_issue_button_give_one():
    admin, learner = AdminFactory(), LearnerFactory()
    content = ContentFactory()
    CertificateTemplateFactory(content=content)
    access_grant(user=learner, item=content, actor=None)
    clients = [Client(), Client()]
    for browser in clients:
        browser.force_login(admin)
    url = f"/manage/users/{learner.pk}/activity/certificates/issue/"
    turn = iter(clients)
    lock = threading.Lock()

    def click():
        with lock:
            browser = next(turn)
        return browser.post(url, {"content": content.pk}).status_code

    assert all_at_once(2, click) == [302, 302]
    assert Certificate.objects.filter(learner=learner).count() == 1
    assert AuditEvent.objects.filter(action="activity.certificate_issued").count() == 1


def test_racing_attempt_starts_respect_the_limit():
    from activity.models import Attempt
    from tests.activity.factories import AssessmentFactory

    learner = LearnerFactory()
    assessment = AssessmentFactory(max_attempts=2)

    def start():
        try:
            return services.attempt_start(user=learner, assessment=assessment)
        except ValidationError:
            return None

    results = all_at_once(6, start)
    assert sum(result is not None for result in results) == 2
    assert Attempt.objects.filter(learner=learner).count() == 2
