"""Bulk edit "Set a reference field": chosen among the active reference fields, the value
checked by the field's type, applied through the Details tab's service, counted truly."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from batch import bulk
from batch.models import BulkJob
from tests.factories import AdminFactory, LearnerFactory
from users.field_services import choices_from_labels
from users.models import AuditEvent, ProfileField, ProfileValue

pytestmark = [pytest.mark.django_db]

LIST = "/manage/users/learners/"
CONFIRM = "/manage/users/learners/bulk/"
APPLY = "/manage/users/learners/bulk/apply/"
Kind, Type = ProfileField.Kind, ProfileField.Type


@pytest.fixture
def centre():
    return ProfileField.objects.create(
        kind=Kind.REFERENCE,
        key="cost-centre",
        label="Cost centre",
        field_type=Type.CHOICE,
        choices=choices_from_labels(["Finance", "Sales"]),
    )


def selection(users, **data):
    return {"action": "set_reference", "user": [str(u.pk) for u in users], **data}


def values(field):
    return dict(ProfileValue.objects.filter(field=field).values_list("user_id", "value"))


def test_the_list_offers_the_action(admin_client):
    LearnerFactory()
    page = admin_client.get(LIST).content.decode()
    assert '<option value="set_reference">Set a reference field</option>' in page


def test_confirm_offers_only_active_reference_fields_and_explains_what_is_missing(
    admin_client, centre
):
    ProfileField.objects.create(
        kind=Kind.REFERENCE, key="old", label="Old code", retired_at=timezone.now()
    )
    ProfileField.objects.create(kind=Kind.SURVEY, key="goal", label="Your goal")
    learner = LearnerFactory()
    response = admin_client.post(CONFIRM, selection([learner]))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose the reference field to set." in page
    assert '<option value="cost-centre">Cost centre</option>' in page
    assert "Old code" not in page and "Your goal" not in page
    assert not BulkJob.objects.exists()


def test_a_value_of_the_wrong_type_is_refused_next_to_the_field(admin_client, centre):
    learner = LearnerFactory()
    response = admin_client.post(
        CONFIRM, selection([learner], reference_field="cost-centre", reference_value="Golf")
    )
    assert response.status_code == 400
    assert "Cost centre: “Golf” is not one of the choices (Finance, Sales)." in (
        response.content.decode()
    )
    assert not values(centre) and not BulkJob.objects.exists()


def test_set_a_reference_field_confirm_then_apply_with_true_counts(admin_client, centre):
    learners = LearnerFactory.create_batch(4)
    already = learners[0]
    ProfileValue.objects.create(user=already, field=centre, value="finance")
    ProfileValue.objects.create(user=learners[1], field=centre, value="sales")
    data = selection(learners, reference_field="cost-centre", reference_value="finance")

    confirm = admin_client.post(CONFIRM, data)
    page = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Set Cost centre to “Finance” for 4 learners" in page
    assert "Apply to 4 learners" in page
    assert values(centre) == {already.pk: "finance", learners[1].pk: "sales"}  # not yet

    response = admin_client.post(APPLY, data, follow=True)
    page = response.content.decode()
    assert values(centre) == {learner.pk: "finance" for learner in learners}
    job = BulkJob.objects.get()
    assert (job.done, job.changed, job.unchanged, job.failed) == (4, 3, 1, 0)
    assert "Changed: <strong>3</strong>" in page
    assert "Already so, nothing changed: <strong>1</strong>" in page
    assert not AuditEvent.objects.filter(subject=already).exists()
    event = AuditEvent.objects.get(subject=learners[1])
    assert (event.action, event.changes) == (
        "user.updated",
        {"reference:cost-centre": ["sales", "finance"]},
    )
    assert AuditEvent.objects.filter(subject=learners[2], action="user.updated").count() == 1


def test_an_empty_value_clears_the_field(admin_client, centre):
    learner, other = LearnerFactory.create_batch(2)
    ProfileValue.objects.create(user=learner, field=centre, value="sales")
    data = selection([learner, other], reference_field="cost-centre", reference_value="")
    assert "Clear Cost centre of 2 learners" in admin_client.post(CONFIRM, data).content.decode()
    admin_client.post(APPLY, data)
    assert not ProfileValue.objects.exists()  # an empty value is no row
    job = BulkJob.objects.get()
    assert (job.changed, job.unchanged) == (1, 1)


def test_a_number_field_stores_its_canonical_text(admin_client):
    ProfileField.objects.create(
        kind=Kind.REFERENCE, key="grade", label="Grade", field_type=Type.NUMBER
    )
    learner = LearnerFactory()
    data = selection([learner], reference_field="grade", reference_value="1,200.50")
    admin_client.post(APPLY, data)
    assert ProfileValue.objects.get(user=learner).value == "1200.5"


def test_a_field_retired_before_the_job_runs_fails_each_learner_with_the_reason(admin_user, centre):
    learner = LearnerFactory()
    parameters = {
        "field": "cost-centre",
        "field_label": "Cost centre",
        "value": "sales",
        "value_shown": "Sales",
    }
    centre.retired_at = timezone.now()
    centre.save()
    job = bulk.bulk_job_start(
        actor=admin_user, action="set_reference", parameters=parameters, user_ids=[learner.pk]
    )
    assert (job.failed, job.errors[0]["reason"]) == (
        1,
        "“Cost centre” is no longer a reference field.",
    )
    assert not values(centre)


def test_support_may_not_change_an_admins_reference_field(support_client, centre):
    boss, learner = AdminFactory(), LearnerFactory()
    data = selection([boss, learner], reference_field="cost-centre", reference_value="Sales")
    support_client.post(APPLY, data)
    job = BulkJob.objects.get()
    assert (job.changed, job.failed) == (1, 1)
    assert values(centre) == {learner.pk: "sales"}


def test_the_confirmation_costs_the_same_queries_for_1_or_40_learners(admin_client, centre):
    def queries(users):
        data = selection(users, reference_field="cost-centre", reference_value="Sales")
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.post(CONFIRM, data).status_code == 200
        return len(captured)

    learners = LearnerFactory.create_batch(40)
    queries(learners[:1])
    assert queries(learners[:1]) == queries(learners)
