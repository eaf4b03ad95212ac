import datetime

import pytest
from django.utils import timezone

from access.panoramas import seat_assign
from access.services import access_grant
from activity.services import attempt_start, attempt_submit, award_grant, certificate_issue
from engagement.services import content_complete, content_open
from payments.services import subscription_start
from tests.access.factories import (
    BulkPurchaseFactory,
    PanoramaFactory,
    RedemptionCodeFactory,
    SublicenseFactory,
)
from tests.activity.factories import AssessmentFactory, AwardTypeFactory, CertificateTemplateFactory
from tests.payments.factories import PlanFactory, paid_learner
from transcripts.services import export_request
from users.details import user_update_details
from users.models import OutboundEmail, ProfileField, ProfileValue


def full_learner(admin, capture, *, first_name, last_name, email):
    """A learner with data in every app, created through the services."""
    learner, purchases = paid_learner(first_name=first_name, last_name=last_name, email=email)
    user_update_details(
        user=learner,
        actor=admin,
        expected_version=learner.version,
        profile={
            "phone": "+14155550123",
            "street": f"{last_name} Street 12",
            "city": "Springfield",
            "postal_code": "12345",
        },
        references={"employee-number": f"EMP-{last_name}"},
    )
    survey = ProfileField.objects.get_or_create(
        key="favourite-topic", defaults={"kind": ProfileField.Kind.SURVEY, "label": "Topic"}
    )[0]
    ProfileValue.objects.create(user=learner, field=survey, value=f"Gardening of {first_name}")
    course = purchases[0].content
    plan = PlanFactory(contents=[course])
    subscription_start(user=learner, plan=plan, actor=admin, amount_minor=1500)
    access_grant(user=learner, item=course, actor=admin, note=f"Gift for {first_name}")
    panorama = PanoramaFactory()
    seat_assign(user=learner, sublicense=SublicenseFactory(panorama=panorama), actor=admin)
    bulk = BulkPurchaseFactory(buyer=learner)
    RedemptionCodeFactory(bulk_purchase=bulk)
    RedemptionCodeFactory(
        bulk_purchase=BulkPurchaseFactory(buyer=admin),
        redeemed_by=learner,
        redeemed_at=timezone.now(),
    )
    assessment = AssessmentFactory(content=course)
    attempt_submit(attempt=attempt_start(user=learner, assessment=assessment), score=90)
    CertificateTemplateFactory(content=course)
    certificate_issue(user=learner, content=course, actor=admin)
    award_grant(
        user=learner, award_type=AwardTypeFactory(), quantity=3, content=course, actor=admin
    )
    content_open(learner=learner, content=course)
    content_complete(learner=learner, content=course)
    with capture(execute=True):
        export_request(learner=learner, actor=admin)
    OutboundEmail.objects.create(
        key=f"welcome:{learner.pk}",
        user=learner,
        to=learner.email,
        subject=f"Welcome, {first_name}",
        body="Hello",
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now(),
    )
    OutboundEmail.objects.create(
        key=f"reminder:{learner.pk}", user=learner, to=learner.email, subject="Reminder", body="x"
    )
    learner.refresh_from_db()
    return learner


@pytest.fixture
def reference_field(db):
    return ProfileField.objects.create(
        key="employee-number", kind=ProfileField.Kind.REFERENCE, label="Employee number"
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def make_learner(admin_user, reference_field, media, django_capture_on_commit_callbacks):
    def make(first_name="Ada", last_name="Lovelace", email="ada@example.com"):
        return full_learner(
            admin_user,
            django_capture_on_commit_callbacks,
            first_name=first_name,
            last_name=last_name,
            email=email,
        )

    return make


def after_window():
    return timezone.now() + datetime.timedelta(days=7, minutes=1)
