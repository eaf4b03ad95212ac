"""The learner's side: /learn/<slug>/ records what they do; completion issues the certificate."""

import pytest

from activity.models import Certificate, CertificateTemplate
from engagement import services
from engagement.action_log import recent_actions
from engagement.models import ContentAction, Progress
from tests.engagement.factories import ContentFactory, grant
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

Action = ContentAction.Action


def actions(learner):
    return list(
        ContentAction.objects.filter(learner=learner)
        .order_by("occurred_at", "id")
        .values_list("action", flat=True)
    )


def test_opening_content_records_viewed_and_started(learner_client, learner):
    content = ContentFactory(title="Negotiation basics")
    grant(learner, content)
    response = learner_client.get(f"/learn/{content.slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Negotiation basics" in page and "Mark complete" in page
    assert actions(learner) == [Action.VIEWED, Action.STARTED]


@pytest.mark.parametrize("slug", ["no-such-thing", "locked"])
def test_content_without_access_is_not_found(learner_client, learner, slug):
    ContentFactory(slug="locked")
    assert learner_client.get(f"/learn/{slug}/").status_code == 404
    assert learner_client.post(f"/learn/{slug}/complete/").status_code == 404
    assert actions(learner) == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    content = ContentFactory()
    response = client.get(f"/learn/{content.slug}/")
    assert response.status_code == 302 and response.url.startswith("/sign_in")


def test_mark_complete_is_post_only(learner_client, learner):
    content = ContentFactory()
    grant(learner, content)
    assert learner_client.get(f"/learn/{content.slug}/complete/").status_code == 405


def test_mark_complete_without_a_certificate(learner_client, learner):
    content = ContentFactory()
    grant(learner, content)
    learner_client.get(f"/learn/{content.slug}/")
    response = learner_client.post(f"/learn/{content.slug}/complete/", follow=True)
    assert "is complete" in response.content.decode()
    assert "You have completed this." in response.content.decode()
    assert actions(learner)[2:4] == [Action.COMPLETED, Action.VIEWED]  # then back on the page
    assert Progress.objects.get(learner=learner, content=content).status == "completed"
    assert not Certificate.objects.filter(learner=learner).exists()


def test_mark_complete_issues_the_certificate_once(learner_client, learner):
    content = ContentFactory()
    CertificateTemplate.objects.create(content=content, title="Certified negotiator")
    grant(learner, content)
    response = learner_client.post(f"/learn/{content.slug}/complete/", follow=True)
    assert "your certificate is ready" in response.content.decode()
    certificate = Certificate.objects.get(learner=learner, content=content)
    granted = [r for r in recent_actions(learner) if r.action == Action.CERTIFICATE_GRANTED]
    assert [row.details for row in granted] == [{"certificate": certificate.verification_code}]

    services.progress_reset(learner=learner, content=content, actor=AdminFactory(), reason="Retake")
    learner_client.post(f"/learn/{content.slug}/complete/")
    assert Certificate.objects.filter(learner=learner, content=content).count() == 1
    assert actions(learner).count(Action.COMPLETED) == 2
    logged = [row.action for row in recent_actions(learner)]
    assert logged.count(Action.CERTIFICATE_GRANTED) == 1
