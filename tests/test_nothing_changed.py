"""A request that changes nothing says so plainly and writes no audit event; one that
changes something names what changed (activity, engagement and transcripts pages)."""

import pytest
from django.utils import timezone

from access.services import access_grant
from activity.models import ActivitySettings
from tests.activity.factories import AttemptFactory, CertificateTemplateFactory, ContentFactory
from tests.engagement.factories import ProgressFactory
from tests.transcripts.factories import TranscriptFieldFactory
from transcripts.models import TranscriptSettings
from users.models import AuditEvent

pytestmark = pytest.mark.django_db


def post(client, url, data):
    response = client.post(url, data, follow=True)
    return response, response.content.decode()


def test_issuing_a_certificate_already_held_says_nothing_changed(admin_client, learner):
    content = ContentFactory(title="Public Speaking")
    CertificateTemplateFactory(content=content, title="Speaker")
    access_grant(user=learner, item=content, actor=None)
    url = f"/manage/users/{learner.pk}/activity/certificates/issue/"
    _, first = post(admin_client, url, {"content": content.pk})
    assert "Certificate granted: Speaker" in first
    events = AuditEvent.objects.count()

    _, again = post(admin_client, url, {"content": content.pk})

    assert "Nothing changed" in again and "already holds Speaker" in again
    assert "Certificate granted" not in again
    assert AuditEvent.objects.count() == events


def test_forgiving_a_forgiven_attempt_says_nothing_changed(admin_client, learner):
    attempt = AttemptFactory(learner=learner, forgiven_at=timezone.now())
    base = f"/manage/users/{learner.pk}/activity/attempts/{attempt.pk}/"

    _, page = post(admin_client, base + "forgive/", {"reason": "again"})

    assert "Nothing changed" in page and "already forgiven" in page
    assert not AuditEvent.objects.exists()
    attempt.forgiven_at = None
    attempt.save()
    _, page = post(admin_client, base + "unforgive/", {})
    assert "Nothing changed" in page and "was not forgiven" in page
    assert not AuditEvent.objects.exists()


def test_activity_settings_saved_unchanged_say_so(admin_client):
    assert ActivitySettings.load().gamification is False
    _, page = post(admin_client, "/manage/settings/activity/", {})
    assert "Nothing changed: gamification was already off." in page
    assert not AuditEvent.objects.exists()
    _, page = post(admin_client, "/manage/settings/activity/", {"gamification": "on"})
    assert "gamification turned on" in page


def _certification_form(client):
    form = client.get("/manage/settings/certification/").context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = value
    return data


def test_certification_settings_saved_unchanged_say_so(admin_client):
    TranscriptSettings.load()
    data = _certification_form(admin_client)

    _, page = post(admin_client, "/manage/settings/certification/", data)

    assert "Nothing changed" in page and "Certification settings saved" not in page
    assert not AuditEvent.objects.exists()
    _, page = post(admin_client, "/manage/settings/certification/", {**data, "title": "Record"})
    assert "Certification settings saved: title changed." in page
    assert AuditEvent.objects.filter(action="transcripts.settings_changed").count() == 1


def test_field_values_saved_unchanged_say_so_and_changes_are_named(admin_client):
    field = TranscriptFieldFactory(name="CEU credits")
    content = ContentFactory(title="First Aid")
    url = f"/manage/settings/certification/fields/{field.pk}/"

    _, page = post(admin_client, url, {f"value_{content.pk}": ""})
    assert "Nothing changed" in page and "0 value(s)" not in page
    assert not AuditEvent.objects.exists()
    _, page = post(admin_client, url, {f"value_{content.pk}": "2"})
    assert "1 value(s) of CEU credits saved: First Aid." in page


def test_reset_of_an_untouched_item_and_completing_a_completed_one_change_nothing(
    admin_client, admin_user, learner
):
    from django.core.exceptions import ValidationError

    from engagement import services

    fresh, done = ContentFactory(title="Fresh"), ContentFactory(title="Done")
    for content in (fresh, done):
        access_grant(user=learner, item=content, actor=None)
    ProgressFactory(
        learner=learner,
        content=fresh,
        status="not_started",
        percent=0,
        time_spent=0,
        first_activity_at=None,
    )
    ProgressFactory(
        learner=learner, content=done, status="completed", percent=100, completed_at=timezone.now()
    )
    base = f"/manage/users/{learner.pk}/engagement/"
    events = AuditEvent.objects.count()

    response, page = post(
        admin_client, base + "reset/", {"reset-content": fresh.pk, "reset-reason": "why"}
    )
    assert response.status_code == 400 and "Nothing to reset" in page
    response, page = post(
        admin_client,
        base + "complete/",
        {
            "complete-content": done.pk,
            "complete-completed_on": timezone.localdate().isoformat(),
            "complete-reason": "why",
        },
    )
    assert response.status_code == 400 and "already completed" in page
    with pytest.raises(ValidationError, match="Nothing to reset"):
        services.progress_reset(learner=learner, content=fresh, actor=admin_user, reason="why")
    assert AuditEvent.objects.count() == events
