"""batch.exporting: the import's columns, streamed in chunks; an export imports back."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.services import access_grant, end_of_day
from batch import exporting
from tests.access.factories import ContentFactory
from tests.factories import AdminFactory, LearnerFactory
from tests.ops.conftest import run_import
from users.models import ProfileField, ProfileValue, User

pytestmark = pytest.mark.django_db


def export(grants=None, **filters):
    text = "".join(
        exporting.csv_lines(exporting.rows(exporting.users_to_export(**filters), grants=grants))
    )
    return text, list(csv.DictReader(io.StringIO(text)))


def test_export_has_the_import_columns_and_values(grants):
    field = ProfileField.objects.create(kind="reference", key="employee_id", label="Employee")
    course = ContentFactory(slug="intro")
    ann = LearnerFactory(
        email="ann@example.com", first_name="Ann", last_name="Lee", phone="+442079460958"
    )
    ProfileValue.objects.create(user=ann, field=field, value="E-7")
    until = timezone.localdate() + datetime.timedelta(days=30)
    access_grant(user=ann, item=course, actor=None, expires_at=end_of_day(until))
    AdminFactory(email="boss@school.example")
    text, rows = export(grants=grants)
    assert text.splitlines()[0] == (
        "email,first_name,last_name,phone,street,city,region,postal_code,country,role,"
        "employee_id,grants"
    )
    by_email = {row["email"]: row for row in rows}
    assert by_email["ann@example.com"] == {
        "email": "ann@example.com",
        "first_name": "Ann",
        "last_name": "Lee",
        "phone": "+442079460958",
        "street": "",
        "city": "",
        "region": "",
        "postal_code": "",
        "country": "",
        "role": "learner",
        "employee_id": "E-7",
        "grants": f"intro@{until.isoformat()}",
    }
    assert by_email["boss@school.example"]["role"] == "admin"


def test_active_by_default_disabled_on_request_and_search(grants):
    LearnerFactory(email="on@example.com", first_name="Maria")
    LearnerFactory(email="other@example.com", first_name="John")
    LearnerFactory(email="off@example.com", first_name="Maria", is_active=False)
    assert [r["email"] for r in export()[1]] == ["on@example.com", "other@example.com"]
    assert [r["email"] for r in export(disabled=True)[1]] == ["off@example.com"]
    assert [r["email"] for r in export(query="maria")[1]] == ["on@example.com"]


def test_formula_like_cells_are_quoted_for_spreadsheets():
    LearnerFactory(email="x@example.com", first_name="=HYPERLINK(1)", last_name="-5")
    _, [row] = export()
    assert row["first_name"] == "'=HYPERLINK(1)" and row["last_name"] == "'-5"


def test_round_trip_export_then_import_restores_the_values(grants):
    field = ProfileField.objects.create(kind="reference", key="employee_id", label="Employee")
    course = ContentFactory(slug="intro")
    ann = LearnerFactory(email="ann@example.com", first_name="=Ann", city="Porto")
    ProfileValue.objects.create(user=ann, field=field, value="E-7")
    access_grant(user=ann, item=course, actor=None)
    AdminFactory(email="boss@school.example", first_name="Boss")
    text, _ = export(grants=grants)

    again = run_import(text, grants=grants)
    assert again.ok and again.updated == 0 and again.created == 0 and again.unchanged == 2

    User.objects.filter(pk=ann.pk).update(first_name="Changed", city="")
    ProfileValue.objects.all().delete()
    User.objects.filter(email="boss@school.example").delete()
    restored = run_import(text, grants=grants)
    assert restored.ok and (restored.created, restored.updated) == (1, 1)
    ann.refresh_from_db()
    assert (ann.first_name, ann.city) == ("=Ann", "Porto")
    assert ProfileValue.objects.get(user=ann).value == "E-7"
    assert export(grants=grants)[0] == text


def test_queries_per_chunk_not_per_user(grants, monkeypatch):
    ProfileField.objects.create(kind="reference", key="employee_id", label="Employee")
    monkeypatch.setattr(exporting, "CHUNK", 10)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            export(grants=grants)
        return len(captured)

    LearnerFactory.create_batch(3)
    few = queries()
    LearnerFactory.create_batch(6)
    assert queries() == few  # still one chunk
    LearnerFactory.create_batch(30)
    assert queries() <= few + 3 * 4  # a handful more per extra chunk of 10
