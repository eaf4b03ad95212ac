"""Learner fields in the privacy export (labelled, in words, with when answered) and erasure
(values deleted, the survey forgotten, the learner's answers gone from the History)."""

import io
import json
import zipfile

import pytest
from django.utils import timezone

from privacy.services import erasure_perform, erasure_request, privacy_export
from tests.factories import LearnerFactory
from tests.privacy.conftest import after_window
from users import field_services
from users.models import AuditEvent, ProfileField, ProfileValue

pytestmark = pytest.mark.django_db

Kind, Type = ProfileField.Kind, ProfileField.Type


@pytest.fixture
def answered():
    """A learner who answered a custom input and the survey, with a reference field set."""
    title = ProfileField.objects.create(kind=Kind.CUSTOM_INPUT, key="job-title", label="Job title")
    topic = ProfileField.objects.create(
        kind=Kind.SURVEY,
        key="topic",
        label="Favourite topic",
        field_type=Type.CHOICE,
        choices=field_services.choices_from_labels(["Gardening", "Finance"]),
    )
    start = ProfileField.objects.create(
        kind=Kind.SURVEY, key="start", label="Started on", field_type=Type.DATE
    )
    badge = ProfileField.objects.create(
        kind=Kind.REFERENCE, key="badge", label="Badge", retired_at=timezone.now()
    )
    learner = LearnerFactory(first_name="Ada", last_name="Lovelace")
    field_services.answers_save(user=learner, actor=learner, answers={title: "Countess of engines"})
    field_services.survey_complete(
        user=learner, actor=learner, answers={topic: "finance", start: "2026-03-01"}
    )
    ProfileValue.objects.create(user=learner, field=badge, value="B-77")
    learner.refresh_from_db()
    return learner


def exported(learner, actor):
    archive = zipfile.ZipFile(io.BytesIO(privacy_export(user=learner, actor=actor)))
    return json.loads(archive.read("personal-data.json"))["data"]["users"], archive


def test_the_export_lists_each_field_labelled_in_words_with_when_answered(admin_user, answered):
    users, archive = exported(answered, admin_user)
    rows = {row["key"]: row for row in users["profile_values"]}
    assert set(rows) == {"job-title", "topic", "start", "badge"}
    topic = rows["topic"]
    assert (topic["label"], topic["kind"], topic["type"]) == (
        "Favourite topic",
        "Onboarding survey question",
        "One choice",
    )
    assert (topic["value"], topic["stored_value"]) == ("Finance", "finance")
    assert rows["start"]["value"] == "1 Mar 2026"
    answered_at = ProfileValue.objects.get(user=answered, field__key="job-title").answered_at
    assert rows["job-title"]["answered_at"] == answered_at.isoformat()
    assert rows["job-title"]["kind"] == "Custom sign-up input"
    assert rows["badge"]["field_retired"] is True and rows["badge"]["value"] == "B-77"
    assert users["profile"][0]["survey_done_at"] == answered.survey_done_at.isoformat()
    csv_text = archive.read("users/profile_values.csv").decode()
    assert csv_text.splitlines()[0] == (
        "key,label,kind,type,value,stored_value,answered_at,field_retired"
    )
    assert "Countess of engines" in csv_text


def test_erasure_deletes_the_values_forgets_the_survey_and_redacts_the_answers(
    admin_user, answered
):
    other = LearnerFactory()
    ProfileValue.objects.create(
        user=other, field=ProfileField.objects.get(key="job-title"), value="Nurse"
    )
    request = erasure_request(user=answered, actor=admin_user, reason="Asked to be forgotten.")
    erasure_perform(request=request, now=after_window())

    answered.refresh_from_db()
    assert not ProfileValue.objects.filter(user=answered).exists()
    assert answered.survey_done_at is None
    assert ProfileValue.objects.filter(user=other).count() == 1
    events = AuditEvent.objects.filter(subject=answered)
    saved = events.get(action="user.answers_saved")
    assert saved.changes == {"input:job-title": ["", "[erased]"]}
    survey = events.get(action="user.survey_answered")
    assert survey.changes["survey:topic"][1] == "[erased]"
    assert "Countess" not in repr(list(events.values_list("changes", flat=True)))
