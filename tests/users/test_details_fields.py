"""The Details tab and the school's learner fields: staff edit reference fields by type (same
Save, same concurrency check), custom inputs and survey answers read in words with when they
were answered, and History names each field and its values in words."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import LearnerFactory
from tests.users.test_details import form_data, url
from users import audit
from users.models import AuditEvent, ProfileField, ProfileValue

pytestmark = pytest.mark.django_db

Kind, Type = ProfileField.Kind, ProfileField.Type


def define(key, label, field_type=Type.SHORT_TEXT, kind=Kind.REFERENCE, choices=(), **extra):
    return ProfileField.objects.create(
        kind=kind,
        key=key,
        label=label,
        field_type=field_type,
        choices=[{"key": k, "label": v, "retired": False} for k, v in choices],
        **extra,
    )


@pytest.fixture
def fields(db):
    return {
        "headcount": define("headcount", "Team size", Type.NUMBER),
        "start": define("start-date", "Start date", Type.DATE),
        "centre": define(
            "cost-centre",
            "Cost centre",
            Type.CHOICE,
            choices=[("4100", "Finance"), ("4200", "Sales")],
        ),
        "languages": define(
            "languages",
            "Languages",
            Type.CHOICES,
            choices=[("en", "English"), ("fr", "French"), ("de", "German")],
        ),
    }


def stored(learner):
    return dict(
        ProfileValue.objects.filter(user=learner).values_list("field__key", "value").order_by()
    )


def field_block(page, name):
    """The HTML of one form field's block (its label, input and message)."""
    match = re.search(
        rf'<(div|fieldset) class="field[^"]*"[^>]*>((?:(?!</\1>).)*?name="{name}".*?)</\1>',
        page,
        re.S,
    )
    assert match, f"no field {name} on the page"
    return match.group(0)


class TestStaffEditReferenceFields:
    def test_each_type_is_stored_in_its_canonical_text(self, admin_client, fields):
        learner = LearnerFactory()
        page = admin_client.get(url(learner)).content.decode()
        assert 'type="number"' in field_block(page, "ref_headcount")
        assert 'type="date"' in field_block(page, "ref_start-date")
        assert "<legend>Languages</legend>" in page
        response = admin_client.post(
            url(learner),
            form_data(
                learner,
                **{
                    "ref_headcount": "0012.50",
                    "ref_start-date": "2026-03-01",
                    "ref_cost-centre": "4200",
                    "ref_languages": ["fr", "en"],
                },
            ),
        )
        assert response.status_code == 302
        assert stored(learner) == {
            "headcount": "12.5",
            "start-date": "2026-03-01",
            "cost-centre": "4200",
            "languages": "en,fr",
        }
        event = AuditEvent.objects.get(subject=learner, action="user.updated")
        assert event.changes["reference:languages"] == ["", "en,fr"]
        page = admin_client.get(url(learner)).content.decode()
        assert "Saved: Team size, Start date, Cost centre, Languages." in page
        assert 'value="12.5"' in field_block(page, "ref_headcount")
        assert re.search(r'value="4200"\s+selected', field_block(page, "ref_cost-centre"))
        languages = field_block(page, "ref_languages")
        assert re.search(r'value="fr"[^>]*checked', languages)
        assert not re.search(r'value="de"[^>]*checked', languages)

    def test_a_bad_number_is_an_error_next_to_it_and_nothing_is_saved(self, admin_client, fields):
        learner = LearnerFactory(city="Leeds")
        response = admin_client.post(
            url(learner),
            form_data(learner, city="York", **{"ref_headcount": "abc", "ref_cost-centre": "4100"}),
        )
        assert response.status_code == 200
        page = response.content.decode()
        block = field_block(page, "ref_headcount")
        assert "field-invalid" in block and "Enter a number." in block
        assert 'value="abc"' in block  # what was typed is kept
        assert 'value="York"' in page
        learner.refresh_from_db()
        assert learner.city == "Leeds" and stored(learner) == {}
        assert not AuditEvent.objects.filter(subject=learner).exists()

    def test_a_required_field_left_empty_is_refused(self, admin_client):
        define("employee-id", "Employee ID", required=True)
        learner = LearnerFactory()
        page = admin_client.post(url(learner), form_data(learner, city="York")).content.decode()
        assert "This field is required." in field_block(page, "ref_employee-id")
        learner.refresh_from_db()
        assert learner.city != "York"

    def test_a_stale_version_is_refused_and_nothing_is_saved(self, admin_client, fields):
        learner = LearnerFactory()
        opened = form_data(learner, **{"ref_cost-centre": "4200"})
        admin_client.post(url(learner), form_data(learner, **{"ref_cost-centre": "4100"}))
        page = admin_client.post(url(learner), opened).content.decode()
        assert "This record changed since you opened it" in page
        assert "Cost centre — → Finance" in page  # what the other Save changed, in words
        assert stored(learner) == {"cost-centre": "4100"}
        assert AuditEvent.objects.filter(subject=learner).count() == 1

    def test_a_retired_field_is_not_editable_and_its_value_is_kept(self, admin_client, fields):
        learner = LearnerFactory()
        badge = define("badge-no", "Badge number", Type.NUMBER)
        ProfileValue.objects.create(user=learner, field=badge, value="77")
        badge.retired_at = timezone.now()
        badge.save()
        page = admin_client.get(url(learner)).content.decode()
        assert 'name="ref_badge-no"' not in page
        assert re.search(r"Badge number .*?Retired.*?</dt>\s*<dd>\s*77", page, re.S)
        admin_client.post(url(learner), form_data(learner, **{"ref_headcount": "3"}))
        assert stored(learner) == {"badge-no": "77", "headcount": "3"}

    def test_a_retired_choice_stays_with_the_learner_through_a_save(self, admin_client, fields):
        learner = LearnerFactory()
        centre = fields["centre"]
        ProfileValue.objects.create(user=learner, field=centre, value="4100")
        centre.choices[0]["retired"] = True
        centre.save()
        page = admin_client.get(url(learner)).content.decode()
        assert re.search(r'value="4100"\s+selected>Finance \(retired\)', page)
        data = form_data(learner, city="York", **{"ref_cost-centre": "4100"})
        assert admin_client.post(url(learner), data).status_code == 302
        assert stored(learner) == {"cost-centre": "4100"}
        other = LearnerFactory()
        page = admin_client.post(url(other), form_data(other, **{"ref_cost-centre": "4100"}))
        assert "Select a valid choice." in field_block(page.content.decode(), "ref_cost-centre")


class TestAnswersShown:
    def test_custom_inputs_and_survey_read_in_words_with_when_answered(self, admin_client):
        job = define("job", "Job title", kind=Kind.CUSTOM_INPUT)
        define("country", "Country of work", kind=Kind.CUSTOM_INPUT)
        level = define(
            "level",
            "Your level",
            Type.CHOICE,
            kind=Kind.SURVEY,
            choices=[("new", "Beginner"), ("pro", "Expert")],
        )
        mentor = define("mentor", "Want a mentor?", Type.YES_NO, kind=Kind.SURVEY)
        old = define("old-q", "Old question", kind=Kind.SURVEY, retired_at=timezone.now())
        learner = LearnerFactory()
        when = timezone.now() - timedelta(days=3)
        for field, value in ((job, "Nurse"), (level, "pro"), (mentor, "yes"), (old, "Maybe")):
            ProfileValue.objects.create(user=learner, field=field, value=value, answered_at=when)
        page = admin_client.get(url(learner)).content.decode()
        answered = timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
        assert re.search(
            rf"Job title</dt>\s*<dd>\s*Nurse <small[^>]*>answered <time[^>]*>{answered}", page
        )
        assert re.search(r"Country of work</dt>\s*<dd>\s*<span[^>]*>Not answered", page)
        assert re.search(r"Your level</dt>\s*<dd>\s*Expert ", page)
        assert re.search(r"Want a mentor\?</dt>\s*<dd>\s*Yes ", page)
        assert re.search(r"Old question .*?Retired.*?</dt>\s*<dd>\s*Maybe", page, re.S)
        assert 'name="ref_job"' not in page and 'name="ref_level"' not in page
        assert "Not done yet." in page
        learner.survey_done_at = timezone.now()
        learner.save()
        assert "Answered <time" in admin_client.get(url(learner)).content.decode()

    def test_a_skipped_survey_says_so(self, admin_client):
        define("goal", "Your goal", kind=Kind.SURVEY)
        learner = LearnerFactory(survey_done_at=timezone.now())
        page = admin_client.get(url(learner)).content.decode()
        assert "Skipped <time" in page and "Not answered" in page

    def test_no_fields_defined(self, admin_client):
        page = admin_client.get(url(LearnerFactory())).content.decode()
        assert "The school has not defined custom inputs or an onboarding survey." in page


class TestHistoryInWords:
    def test_a_reference_change_reads_as_label_and_choice_labels(self, admin_client, fields):
        learner = LearnerFactory()
        admin_client.post(url(learner), form_data(learner, **{"ref_cost-centre": "4100"}))
        learner.refresh_from_db()
        data = form_data(learner, **{"ref_cost-centre": "4200", "ref_start-date": "2026-03-01"})
        admin_client.post(url(learner), data)
        page = admin_client.get(url(learner)).content.decode()
        assert "<strong>Cost centre</strong>: Finance → Sales</li>" in page
        assert "<strong>Cost centre</strong>: — → Finance</li>" in page
        assert "<strong>Start date</strong>: — → 1 Mar 2026</li>" in page
        assert "reference:cost-centre" not in page

    def test_learner_answers_and_deleted_fields(self, admin_client):
        mentor = define("mentor", "Want a mentor?", Type.YES_NO, kind=Kind.SURVEY)
        learner = LearnerFactory()
        audit.record(
            actor=learner,
            subject=learner,
            action="user.survey_answered",
            changes={"survey:mentor": ["", "yes"], "input:gone": ["", "Kept text"]},
        )
        page = admin_client.get(url(learner)).content.decode()
        assert f"<strong>{mentor.label}</strong>: — → Yes</li>" in page
        assert "<strong>gone</strong>: — → Kept text</li>" in page


def test_the_tab_costs_the_same_queries_with_1_or_10_fields(admin_client, admin_user):
    learner = LearnerFactory()

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url(learner)).status_code == 200
        return len(queries)

    def add(number, kind):
        field = define(
            f"f{number}", f"Field {number}", Type.CHOICE, kind=kind, choices=[("a", "A")]
        )
        ProfileValue.objects.create(user=learner, field=field, value="a")
        audit.record(
            actor=admin_user,
            subject=learner,
            action="user.updated",
            changes={
                f"{kind == Kind.REFERENCE and 'reference' or 'survey'}:{field.key}": ["", "a"]
            },
        )
        return field

    add(0, Kind.REFERENCE)
    count()  # warm: a flushed database creates its settings rows on first use
    one = count()
    for number in range(1, 10):
        field = add(number, Kind.REFERENCE if number % 2 else Kind.SURVEY)
        if number == 9:
            field.retired_at = timezone.now()
            field.save()
    assert count() == one
