"""Settings > Certification adds learner fields (any kind) to the transcript: tab, my
transcript, CSV and PDF show them labelled, in words; retired or deleted ones drop out."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from tests.transcripts.factories import CompletedFactory
from tests.transcripts.test_settings import form_data
from transcripts import selectors
from transcripts.models import DEFAULT_COLUMNS, TranscriptSettings
from transcripts.pdf import transcript_pdf
from users.field_services import choices_from_labels
from users.models import AuditEvent, ProfileField, ProfileValue

pytestmark = pytest.mark.django_db

URL = "/manage/settings/certification/"
Kind, Type = ProfileField.Kind, ProfileField.Type


@pytest.fixture
def fields(learner):
    made = {
        "employee": ProfileField.objects.create(
            kind=Kind.REFERENCE, key="employee-id", label="Employee ID"
        ),
        "centre": ProfileField.objects.create(
            kind=Kind.REFERENCE,
            key="cost-centre",
            label="Cost centre",
            field_type=Type.CHOICE,
            choices=choices_from_labels(["Finance", "Sales"]),
        ),
        "start": ProfileField.objects.create(
            kind=Kind.CUSTOM_INPUT, key="start-date", label="Start date", field_type=Type.DATE
        ),
        "mentor": ProfileField.objects.create(
            kind=Kind.SURVEY, key="mentor", label="Wants a mentor", field_type=Type.YES_NO
        ),
    }
    for name, value in [
        ("employee", "E-4711"),
        ("centre", "finance"),
        ("start", "2026-03-01"),
        ("mentor", "yes"),
    ]:
        ProfileValue.objects.create(user=learner, field=made[name], value=value)
    return made


def choose(*keys):
    settings = TranscriptSettings.load()
    settings.learner_fields = list(keys)
    settings.save()


def save(client, keys):
    data = form_data(list(DEFAULT_COLUMNS))
    data["title"], data["footer"] = TranscriptSettings.load().title, ""
    data["learner_fields"] = list(keys)
    return client.post(URL, data, follow=True)


def test_the_settings_page_offers_every_active_learner_field(admin_client, fields):
    ProfileField.objects.create(
        kind=Kind.SURVEY, key="gone", label="Gone question", retired_at=timezone.now()
    )
    page = admin_client.get(URL).content.decode()
    assert "<legend>Learner fields on the transcript</legend>" in page
    assert "Employee ID (learner reference field)" in page
    assert "Start date (custom sign-up input)" in page
    assert "Wants a mentor (onboarding survey question)" in page
    assert "Gone question" not in page


def test_choosing_fields_is_audited_and_saving_again_changes_nothing(
    admin_client, admin_user, fields
):
    response = save(admin_client, ["mentor", "employee-id"])
    assert "Certification settings saved: learner fields changed." in response.content.decode()
    # Kept in the order of Settings > Learner fields, not of the post.
    assert TranscriptSettings.load().learner_fields == ["employee-id", "mentor"]
    event = AuditEvent.objects.get(action="transcripts.settings_changed")
    assert event.actor == admin_user
    assert event.changes == {"learner_fields": [[], ["Employee ID", "Wants a mentor"]]}

    again = save(admin_client, ["employee-id", "mentor"])
    assert "Nothing changed: the certification settings were as saved." in (again.content.decode())
    assert AuditEvent.objects.filter(action="transcripts.settings_changed").count() == 1


def test_an_unknown_key_is_refused_next_to_the_field(admin_client, fields):
    response = save(admin_client, ["no-such-field"])
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert TranscriptSettings.load().learner_fields == []


def test_the_tab_and_my_transcript_show_the_chosen_fields_in_words(
    admin_client, client, learner, fields
):
    choose("cost-centre", "start-date", "mentor")
    CompletedFactory(learner=learner, content__title="Fire Safety")
    page = admin_client.get(f"/manage/users/{learner.pk}/transcript/").content.decode()
    for label, value in [
        ("Cost centre", "Finance"),
        ("Start date", "1 Mar 2026"),
        ("Wants a mentor", "Yes"),
    ]:
        assert f"<dt>{label}</dt><dd>{value}</dd>" in page
    assert "Employee ID" not in page and "E-4711" not in page
    client.force_login(learner)
    mine = client.get("/my/transcript/").content.decode()
    assert "<dt>Cost centre</dt><dd>Finance</dd>" in mine and "E-4711" not in mine


def test_csv_and_pdf_carry_the_fields(admin_client, learner, fields):
    choose("employee-id", "cost-centre")
    CompletedFactory(
        learner=learner,
        content__title="Fire Safety",
        completed_at=timezone.make_aware(datetime.datetime(2026, 3, 4, 12)),
    )
    settings = TranscriptSettings.load()
    settings.columns = ["title", "completed_at"]
    settings.save()
    response = admin_client.get(f"/manage/users/{learner.pk}/transcript/csv/")
    body = b"".join(response.streaming_content).decode()
    assert list(csv.reader(io.StringIO(body))) == [
        ["Employee ID", "Cost centre", "Content", "Completed"],
        ["E-4711", "Finance", "Fire Safety", "2026-03-04"],
    ]
    pdf = transcript_pdf(selectors.transcript(learner))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Employee ID" in text and "E-4711" in text and "Finance" in text


def test_a_retired_field_drops_out_and_comes_back_restored_a_deleted_one_is_gone(
    admin_client, learner, fields
):
    choose("employee-id", "cost-centre")
    fields["centre"].retired_at = timezone.now()
    fields["centre"].save()
    assert selectors.transcript(learner).learner_fields == [("Employee ID", "E-4711")]
    # Saving the settings keeps the retired choice (it is not offered, nor changed).
    save(admin_client, ["employee-id", "start-date"])
    assert TranscriptSettings.load().learner_fields == ["start-date", "employee-id", "cost-centre"]
    fields["centre"].retired_at = None
    fields["centre"].save()
    assert [label for label, _ in selectors.transcript(learner).learner_fields] == [
        "Start date",
        "Employee ID",
        "Cost centre",
    ]
    fields["employee"].delete()
    assert "Employee ID" not in dict(selectors.transcript(learner).learner_fields)


def test_the_tab_costs_the_same_queries_for_one_or_four_fields(admin_client, learner, fields):
    url = f"/manage/users/{learner.pk}/transcript/"

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url).status_code == 200
        return len(captured)

    choose("employee-id")
    queries()
    one = queries()
    choose("employee-id", "cost-centre", "start-date", "mentor")
    assert queries() == one
