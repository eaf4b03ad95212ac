import datetime

import pytest
from django.utils import timezone

from access.services import access_grant
from lms.history import Sizes
from tests.access.factories import BulkPurchaseFactory, ContentFactory, RedemptionCodeFactory
from tests.factories import LearnerFactory
from users.details import user_update_details
from users.models import OutboundEmail, ProfileField, ProfileValue


def full_learner(admin, *, first_name, last_name, email):
    """A learner with data in every app (the shared history builder), plus what names her:
    her profile, a learner field, a grant note, a code she redeemed, e-mails to her."""
    learner = LearnerFactory(
        first_name=first_name,
        last_name=last_name,
        email=email,
        history=Sizes.each(2),
        history__admin=admin,
    )
    learner.refresh_from_db()
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
    access_grant(user=learner, item=ContentFactory(), actor=admin, note=f"Gift for {first_name}")
    RedemptionCodeFactory(
        bulk_purchase=BulkPurchaseFactory(buyer=admin),
        redeemed_by=learner,
        redeemed_at=timezone.now(),
    )
    OutboundEmail.objects.create(
        key=f"welcome:{learner.pk}",
        user=learner,
        to=learner.email,
        subject=f"Welcome, {first_name}",
        body="Hello",
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now(),
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
def make_learner(admin_user, reference_field, media):
    def make(first_name="Ada", last_name="Lovelace", email="ada@example.com"):
        return full_learner(
            admin_user,
            first_name=first_name,
            last_name=last_name,
            email=email,
        )

    return make


def after_window():
    return timezone.now() + datetime.timedelta(days=7, minutes=1)
