"""Learner fields as CSV columns: every kind imports and exports by its key, checked by type."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from batch import exporting, importing
from tests.factories import LearnerFactory
from tests.ops.conftest import EXPORT_URL, IMPORT_URL, OPS_URLS, csv_text, run_import
from users.field_services import choices_from_labels
from users.models import AuditEvent, ProfileField, ProfileValue, User

pytestmark = [pytest.mark.django_db, pytest.mark.urls(OPS_URLS)]

Kind, Type = ProfileField.Kind, ProfileField.Type


def define(kind, key, label, field_type=Type.SHORT_TEXT, choices=(), **extra):
    return ProfileField.objects.create(
        kind=kind,
        key=key,
        label=label,
        field_type=field_type,
        choices=choices_from_labels(choices),
        **extra,
    )


@pytest.fixture
def fields():
    return {
        "employee": define(Kind.REFERENCE, "employee-id", "Employee ID"),
        "centre": define(
            Kind.REFERENCE, "cost-centre", "Cost centre", Type.CHOICE, ["Finance", "Sales"]
        ),
        "title": define(Kind.CUSTOM_INPUT, "job-title", "Job title"),
        "hours": define(Kind.CUSTOM_INPUT, "weekly-hours", "Weekly hours", Type.NUMBER),
        "start": define(Kind.SURVEY, "start-date", "Start date", Type.DATE),
        "mentor": define(Kind.SURVEY, "wants-mentor", "Wants a mentor", Type.YES_NO),
        "goals": define(
            Kind.SURVEY, "goals", "Goals", Type.CHOICES, ["Lead a team", "Pass the exam"]
        ),
    }


def stored(user):
    return dict(ProfileValue.objects.filter(user=user).values_list("field__key", "value"))


HEADER = "email,employee-id,cost-centre,job-title,weekly-hours,start-date,wants-mentor,goals"


def test_every_kind_of_field_imports_by_its_key_checked_by_type(fields):
    result = run_import(
        csv_text(
            HEADER,
            'ann@example.com,E-1,Finance,Nurse,"1,200.50",2026-03-01,Y,"Pass the exam, lead a team"',
            "bob@example.com,E-2,sales,,,,,",
        )
    )
    assert result.ok and result.created == 2
    ann = User.objects.get(email="ann@example.com")
    assert stored(ann) == {
        "employee-id": "E-1",
        "cost-centre": "finance",
        "job-title": "Nurse",
        "weekly-hours": "1200.5",
        "start-date": "2026-03-01",
        "wants-mentor": "yes",
        "goals": "lead-a-team,pass-the-exam",
    }
    assert stored(User.objects.get(email="bob@example.com")) == {
        "employee-id": "E-2",
        "cost-centre": "sales",
    }
    [event] = AuditEvent.objects.filter(subject=ann)
    assert event.action == "user.created"
    assert event.changes == {
        "email": [None, "ann@example.com"],
        "reference:employee-id": [None, "E-1"],
        "reference:cost-centre": [None, "finance"],
        "input:job-title": [None, "Nurse"],
        "input:weekly-hours": [None, "1200.5"],
        "survey:start-date": [None, "2026-03-01"],
        "survey:wants-mentor": [None, "yes"],
        "survey:goals": [None, "lead-a-team,pass-the-exam"],
    }


def test_an_update_is_one_event_per_learner_and_an_empty_cell_removes_the_value(fields):
    ann = LearnerFactory(email="ann@example.com")
    before = timezone.now()
    for field, value in [("employee", "E-1"), ("title", "Nurse"), ("goals", "lead-a-team")]:
        ProfileValue.objects.create(user=ann, field=fields[field], value=value)
    result = run_import(
        csv_text("email,employee-id,job-title,goals", "ann@example.com,,Surgeon,Pass the exam")
    )
    assert (result.updated, result.created) == (1, 0)
    assert stored(ann) == {"job-title": "Surgeon", "goals": "pass-the-exam"}
    assert ProfileValue.objects.get(user=ann, field=fields["title"]).answered_at >= before
    [event] = AuditEvent.objects.filter(subject=ann)
    assert (event.action, event.note) == ("user.updated", "CSV import")
    assert event.changes == {
        "reference:employee-id": ["E-1", ""],
        "input:job-title": ["Nurse", "Surgeon"],
        "survey:goals": ["lead-a-team", "pass-the-exam"],
    }
    ann.refresh_from_db()
    assert ann.version == 2


def test_a_bad_cell_is_a_row_numbered_error_and_the_whole_file_is_refused(admin_client, fields):
    rows = [f"l{n}@example.com,E-{n},Finance,,,,," for n in range(2, 7)]
    rows.append("l7@example.com,E-7,Marketing,,lots,2026-13-01,maybe,Golf")
    data = {"file": SimpleUploadedFile("f.csv", csv_text(HEADER, *rows).encode())}
    page = admin_client.post(IMPORT_URL, data).content.decode()
    assert "5 errors in 1 of 6 rows, so nothing was written." in page
    for column, problem in [
        ("cost-centre", "“Marketing” is not one of the choices (Finance, Sales)."),
        ("weekly-hours", "“lots” is not a number."),
        ("start-date", "“2026-13-01” is not a date (YYYY-MM-DD)."),
        ("wants-mentor", "answer yes or no, not “maybe”."),
        ("goals", "“Golf” is not one of the choices (Lead a team, Pass the exam)."),
    ]:
        assert f"<td>7</td><td>{column}</td><td>{problem}</td>" in page
    assert not User.objects.filter(email__endswith="@example.com").exists()
    assert not ProfileValue.objects.exists()


def test_the_command_prints_the_same_errors(csv_file, fields):
    path = csv_file("email,cost-centre", "a@example.com,Finance", "b@example.com,Marketing")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_users", path, stdout=io.StringIO(), stderr=err)
    assert "row 3, cost-centre: “Marketing” is not one of the choices (Finance, Sales)." in (
        err.getvalue()
    )
    assert not User.objects.filter(email="a@example.com").exists()


@pytest.mark.parametrize(
    "header,column,message",
    [
        ("email,old-badge", "old-badge", "“Old badge” is retired"),
        ("email,shoe-size", "shoe-size", "Unknown column: no learner field has this key."),
        ("email,ref:job-title", "ref:job-title", "There is no reference field with this key."),
        ("email,employee-id,ref:employee-id", "ref:employee-id", "are the same field"),
    ],
)
def test_a_retired_or_unknown_column_refuses_the_file(fields, header, column, message):
    define(Kind.REFERENCE, "old-badge", "Old badge", retired_at=timezone.now())
    cells = ",".join(["a@example.com"] + ["x"] * header.count(","))
    with pytest.raises(importing.ImportRefused) as refused:
        run_import(csv_text(header, cells))
    [error] = [error for error in refused.value.errors if error.column == column]
    assert error.row == 1 and message in error.message
    if column == "shoe-size":
        assert "employee-id" in error.message and "old-badge" not in error.message
    assert not User.objects.exists()


def test_old_files_with_ref_columns_still_import(fields):
    run_import(csv_text("email,ref:employee-id", "ann@example.com,E-9"))
    assert stored(User.objects.get(email="ann@example.com")) == {"employee-id": "E-9"}


def test_a_key_that_is_a_builtin_column_goes_by_its_audit_name(fields):
    define(Kind.CUSTOM_INPUT, "city", "City of birth")
    ann = LearnerFactory(email="ann@example.com", city="Porto")
    run_import(csv_text("email,city,input:city", "ann@example.com,Porto,Lagos"))
    ann.refresh_from_db()
    assert ann.city == "Porto" and stored(ann) == {"city": "Lagos"}
    header = next(exporting.rows(exporting.users_to_export()))
    assert "input:city" in header and header.count("city") == 1


def test_the_upload_page_lists_the_field_columns(admin_client, fields):
    page = admin_client.get(IMPORT_URL).content.decode()
    assert "<code>cost-centre</code>: Cost centre (Learner reference field, one choice)" in page
    assert "<code>goals</code>: Goals (Onboarding survey question, several choices)" in page
    assert "<code>finance</code> Finance" in page


def export_text(client):
    response = client.get(EXPORT_URL)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_an_export_has_a_column_per_active_field_and_reimports_as_nothing_changed(
    admin_client, fields
):
    define(Kind.REFERENCE, "old-badge", "Old badge", retired_at=timezone.now())
    ann = LearnerFactory(email="ann@example.com")
    values = {
        "employee": "=E-1",
        "centre": "finance",
        "title": "Nurse, night shift",
        "hours": "-12.5",
        "start": "2026-03-01",
        "mentor": "no",
        "goals": "lead-a-team,pass-the-exam",
    }
    for name, value in values.items():
        ProfileValue.objects.create(user=ann, field=fields[name], value=value)
    LearnerFactory(email="bob@example.com")
    text = export_text(admin_client)
    [row] = [r for r in csv.DictReader(io.StringIO(text)) if r["email"] == "ann@example.com"]
    # Settings > Learner fields order: custom inputs, reference fields, survey questions.
    assert list(row)[10:-1] == [
        "job-title",
        "weekly-hours",
        "employee-id",
        "cost-centre",
        "start-date",
        "wants-mentor",
        "goals",
    ]
    assert "old-badge" not in row
    assert row["employee-id"] == "'=E-1" and row["weekly-hours"] == "'-12.5"
    assert row["goals"] == "lead-a-team,pass-the-exam" and row["cost-centre"] == "finance"

    # A choice retired since: the learner keeps it, and the file still imports unchanged.
    centre = fields["centre"]
    centre.choices = choices_from_labels(["Sales"], previous=centre.choices)
    centre.save()
    events = AuditEvent.objects.count()
    data = {"file": SimpleUploadedFile("export.csv", text.encode())}
    page = admin_client.post(IMPORT_URL, data).content.decode()
    assert "Nothing changed: every row of the file was as on record (2 unchanged)." in page
    assert AuditEvent.objects.count() == events
    assert stored(ann) == {fields[name].key: value for name, value in values.items()}

    # ...but nobody else can be given the retired choice.
    refused = run_import(csv_text("email,cost-centre", "bob@example.com,finance"))
    [error] = refused.errors
    assert (error.row, error.column) == (2, "cost-centre")
    assert error.message == "“finance” is a retired choice; the choices are: Sales."


def test_the_export_command_reimports_with_nothing_changed(tmp_path, fields):
    ann = LearnerFactory(email="ann@example.com")
    ProfileValue.objects.create(user=ann, field=fields["start"], value="2026-03-01")
    path = tmp_path / "out.csv"
    call_command("export_users", "-o", str(path), stdout=io.StringIO())
    assert "start-date" in path.read_text().splitlines()[0]
    out = io.StringIO()
    call_command("import_users", str(path), stdout=out, stderr=io.StringIO())
    assert "Nothing changed: every row was as on record. 1 rows: 0 new, 0 changed" in (
        out.getvalue()
    )


def test_the_list_export_costs_the_same_queries_for_1_or_40_learners(admin_client, fields):
    def make(count):
        for user in LearnerFactory.create_batch(count):
            ProfileValue.objects.bulk_create(
                ProfileValue(user=user, field=field, value="2026-03-01")
                for field in (fields["start"], fields["employee"])
            )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            export_text(admin_client)
        return len(captured)

    make(1)
    queries()
    few = queries()
    make(39)
    assert queries() == few
