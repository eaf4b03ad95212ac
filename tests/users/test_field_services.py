"""School-defined learner fields: the seven types' stored forms, and the services that define
fields and store a learner's own answers."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import LearnerFactory
from users import field_services, field_types
from users.models import AuditEvent, ProfileField, ProfileValue

Kind, Type = ProfileField.Kind, ProfileField.Type
pytestmark = pytest.mark.django_db


def define(admin, **values):
    defaults = {"kind": Kind.REFERENCE, "key": "cost-centre", "label": "Cost centre"}
    defaults.update(values)
    defaults.setdefault("field_type", Type.SHORT_TEXT)
    return field_services.field_create(actor=admin, **defaults)


class TestTypes:
    @pytest.mark.parametrize(
        ("field_type", "given", "stored", "words"),
        [
            (Type.SHORT_TEXT, "  Ada  ", "Ada", "Ada"),
            (Type.NUMBER, "1,200.50", "1200.5", "1200.5"),
            (Type.NUMBER, "4100.0", "4100", "4100"),
            (Type.DATE, "2026-03-01", "2026-03-01", "1 Mar 2026"),
            (Type.YES_NO, "Y", "yes", "Yes"),
            (Type.YES_NO, "false", "no", "No"),
            (Type.CHOICE, "finance", "finance", "Finance"),
            (Type.CHOICE, "SALES", "sales", "Sales"),
            (Type.CHOICES, "Sales, Finance", "finance,sales", "Finance, Sales"),
        ],
    )
    def test_a_cell_is_stored_in_one_form_and_shown_in_words(
        self, admin_user, field_type, given, stored, words
    ):
        field = define(admin_user, field_type=field_type, choices=["Finance", "Sales"])
        assert field_types.parse(field, given) == stored
        assert field_types.shown(field, stored) == words

    @pytest.mark.parametrize(
        ("field_type", "given", "message"),
        [
            (Type.NUMBER, "abc", "“abc” is not a number"),
            (Type.NUMBER, "NaN", "not a number we can keep"),
            (Type.DATE, "01/03/2026", "is not a date (YYYY-MM-DD)"),
            (Type.YES_NO, "maybe", "answer yes or no"),
            (Type.CHOICE, "Marketing", "not one of the choices (Finance, Sales)"),
            (Type.SHORT_TEXT, "x" * 256, "at most 255 characters"),
        ],
    )
    def test_a_bad_cell_is_refused_naming_the_field(self, admin_user, field_type, given, message):
        field = define(admin_user, field_type=field_type, choices=["Finance", "Sales"])
        with pytest.raises(ValidationError) as refused:
            field_types.parse(field, given)
        assert refused.value.messages[0].startswith("Cost centre: ")
        assert message in refused.value.messages[0]

    def test_a_form_value_is_stored_as_a_cell_would_be(self, admin_user):
        number = define(admin_user, key="hours", field_type=Type.NUMBER)
        when = define(admin_user, key="start", field_type=Type.DATE)
        several = define(admin_user, key="topics", field_type=Type.CHOICES, choices=["A", "B"])
        assert field_types.to_stored(number, Decimal("4100.000")) == "4100"
        assert field_types.to_stored(when, date(2026, 3, 1)) == "2026-03-01"
        assert field_types.to_stored(several, ["b", "a", "b"]) == "a,b"
        assert field_types.to_stored(several, []) == ""


class TestDefinitions:
    def test_creating_a_field_is_audited_and_places_it_last(self, admin_user):
        first = define(admin_user)
        second = define(admin_user, key="employee-id", label="Employee ID")
        assert (first.position, second.position) == (0, 1)
        event = AuditEvent.objects.filter(action="learner_field.created").first()
        assert event.actor == admin_user
        assert event.changes["label"] == [None, "Employee ID"]

    def test_only_an_admin_defines_fields(self, support_user):
        with pytest.raises(PermissionDenied):
            define(support_user)
        assert not ProfileField.objects.exists()

    def test_a_taken_key_is_refused(self, admin_user):
        define(admin_user)
        with pytest.raises(ValidationError) as refused:
            define(admin_user, label="Other")
        assert "key" in refused.value.message_dict

    def test_saving_the_same_definition_changes_nothing(self, admin_user):
        field = define(admin_user, field_type=Type.CHOICE, choices=["Finance", "Sales"])
        before = AuditEvent.objects.count()
        _, changes = field_services.field_update(
            actor=admin_user,
            field=field,
            values={"label": "Cost centre", "choices": ["Finance", "Sales"]},
        )
        assert changes == {}
        assert AuditEvent.objects.count() == before

    def test_a_removed_choice_retires_and_past_answers_still_read(self, admin_user):
        field = define(admin_user, field_type=Type.CHOICE, choices=["Finance", "Sales"])
        learner = LearnerFactory()
        field_services.answers_write(learner, {field: "finance"})
        field, changes = field_services.field_update(
            actor=admin_user, field=field, values={"choices": ["Sales", "Operations"]}
        )
        assert changes["choices"] == [["Finance", "Sales"], ["Sales", "Operations"]]
        assert field_types.offered_choices(field) == [
            ("sales", "Sales"),
            ("operations", "Operations"),
        ]
        assert field_types.shown(field, "finance") == "Finance"
        with pytest.raises(ValidationError):
            field_types.parse(field, "Finance")

    def test_the_type_cannot_change_once_answered(self, admin_user):
        field = define(admin_user)
        field_services.answers_write(LearnerFactory(), {field: "x"})
        with pytest.raises(ValidationError) as refused:
            field_services.field_update(
                actor=admin_user, field=field, values={"field_type": Type.NUMBER}
            )
        assert "field_type" in refused.value.message_dict
        field.refresh_from_db()
        assert field.field_type == Type.SHORT_TEXT

    def test_a_field_with_values_is_retired_not_deleted(self, admin_user):
        field = define(admin_user)
        field_services.answers_write(LearnerFactory(), {field: "4100"})
        with pytest.raises(ValidationError, match="1 learner has a value"):
            field_services.field_delete(actor=admin_user, field=field)
        assert field_services.field_retire(actor=admin_user, field=field) is True
        assert field_services.field_retire(actor=admin_user, field=field) is False
        assert field_services.asked(Kind.REFERENCE) == []
        assert ProfileValue.objects.filter(field=field).count() == 1
        assert AuditEvent.objects.filter(action="learner_field.retired").count() == 1

    def test_a_field_without_values_is_deleted(self, admin_user):
        field = define(admin_user)
        field_services.field_delete(actor=admin_user, field=field)
        assert not ProfileField.objects.exists()
        assert AuditEvent.objects.filter(action="learner_field.deleted").count() == 1

    def test_moving_swaps_with_the_neighbour_and_stops_at_the_ends(self, admin_user):
        first = define(admin_user, key="a", label="A")
        second = define(admin_user, key="b", label="B")
        assert field_services.field_move(actor=admin_user, field=second, offset=-1) is True
        assert [f.key for f in field_services.asked(Kind.REFERENCE)] == ["b", "a"]
        assert field_services.field_move(actor=admin_user, field=second, offset=-1) is False
        assert field_services.field_move(actor=admin_user, field=first, offset=1) is False


class TestAnswers:
    def test_a_learner_saves_their_own_inputs_once_audited(self, admin_user):
        job = define(admin_user, kind=Kind.CUSTOM_INPUT, key="job-title", label="Job title")
        learner = LearnerFactory()
        changes = field_services.answers_save(user=learner, actor=learner, answers={job: "Nurse"})
        assert changes == {"input:job-title": ["", "Nurse"]}
        again = field_services.answers_save(user=learner, actor=learner, answers={job: "Nurse"})
        assert again == {}
        assert AuditEvent.objects.filter(subject=learner, action="user.answers_saved").count() == 1

    def test_nobody_answers_for_someone_else(self, admin_user):
        job = define(admin_user, kind=Kind.CUSTOM_INPUT, key="job-title", label="Job title")
        with pytest.raises(PermissionDenied):
            field_services.answers_save(user=LearnerFactory(), actor=admin_user, answers={job: "x"})

    def test_a_reference_field_is_not_the_learners_to_answer(self, admin_user):
        reference = define(admin_user)
        learner = LearnerFactory()
        with pytest.raises(ValidationError):
            field_services.answers_save(user=learner, actor=learner, answers={reference: "x"})
        assert not ProfileValue.objects.exists()

    def test_the_survey_is_asked_once(self, admin_user):
        goal = define(admin_user, kind=Kind.SURVEY, key="goal", label="Goal", required=True)
        learner = LearnerFactory()
        assert field_services.survey_pending(learner)
        assert not field_services.survey_pending(admin_user)
        with pytest.raises(ValidationError, match="cannot be skipped"):
            field_services.survey_complete(user=learner, actor=learner, answers={}, skipped=True)
        field_services.survey_complete(user=learner, actor=learner, answers={goal: "Grow"})
        learner.refresh_from_db()
        assert learner.survey_done_at is not None
        assert not field_services.survey_pending(learner)
        with pytest.raises(ValidationError, match="already answered"):
            field_services.survey_complete(user=learner, actor=learner, answers={goal: "Again"})
        assert ProfileValue.objects.get(field=goal).value == "Grow"
