import random
from datetime import timedelta

import pytest
from django.utils import timezone

from engagement import demo
from engagement.models import ContentAction, Progress
from tests.engagement.factories import ContentFactory, grant
from tests.factories import LearnerFactory, SupportFactory

pytestmark = pytest.mark.django_db


def test_without_grants_the_demo_does_nothing():
    LearnerFactory()
    lines = []
    demo.seed(rng=random.Random(1), log=lines.append)
    assert not ContentAction.objects.exists() and "nothing to do" in lines[0]


def test_the_demo_builds_history_once_and_a_rich_one_for_learner1():
    SupportFactory(email="support@school.example")
    long_ago = timezone.now() - timedelta(days=365)  # history never starts before joining
    rich = LearnerFactory(email="learner1@example.com", date_joined=long_ago)
    other = LearnerFactory(date_joined=long_ago)
    contents = [ContentFactory() for _ in range(4)]
    for content in contents:
        grant(rich, content)
    grant(other, contents[0])
    demo.seed(rng=random.Random(7), log=lambda line: None)
    actions = ContentAction.objects.count()
    assert Progress.objects.filter(learner=rich).count() == 4
    assert Progress.objects.filter(learner=other).count() == 1
    assert ContentAction.objects.filter(learner=rich).count() > 30
    demo.seed(rng=random.Random(8), log=lambda line: None)
    assert ContentAction.objects.count() == actions
