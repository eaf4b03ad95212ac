import random

import pytest

from activity import demo
from activity.models import (
    ActivitySettings,
    Assessment,
    Attempt,
    AwardGrant,
    AwardType,
    Certificate,
    CertificateTemplate,
)
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def counts():
    return [
        model.objects.count()
        for model in (Assessment, Attempt, CertificateTemplate, Certificate, AwardType, AwardGrant)
    ]


def test_seed_is_believable_and_idempotent(admin_client):
    learner = LearnerFactory(email="learner1@example.com")
    LearnerFactory.create_batch(3)
    lines = []
    demo.seed(rng=random.Random(7), log=lines.append)
    first = counts()
    demo.seed(rng=random.Random(8), log=lines.append)
    assert counts() == first
    assert set(AwardType.objects.values_list("plural", flat=True)) == {"Stars", "Badges"}
    assert Certificate.objects.filter(learner=learner).count() == 1
    assert ActivitySettings.load().gamification
    page = admin_client.get(f"/manage/users/{learner.pk}/activity/").content.decode()
    assert "Limit reached" in page
    assert "Issue Certificate" in page
    assert "can no longer be granted manually" in page
    assert "Manually Grant Award" in page


def test_seed_without_learners_still_builds_the_catalog():
    demo.seed(rng=random.Random(7), log=lambda *args: None)
    assert Assessment.objects.count() == 2 and AwardType.objects.count() == 2
