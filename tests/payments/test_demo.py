import random

import pytest

from access.selectors import has_access
from payments import demo
from payments.models import Card, Purchase, Subscription, Transaction
from tests.factories import AdminFactory, LearnerFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_is_believable_and_idempotent():
    AdminFactory(email="admin@school.example")
    learners = [LearnerFactory(email=f"learner{n}@example.com") for n in range(1, 5)]
    lines = []
    demo.seed(rng=random.Random(1), log=lines.append)
    counts = [m.objects.count() for m in (Card, Subscription, Purchase, Transaction)]
    demo.seed(rng=random.Random(2), log=lines.append)
    assert [m.objects.count() for m in (Card, Subscription, Purchase, Transaction)] == counts
    assert Card.objects.filter(learner=learners[0], last4="4242").exists()
    assert Subscription.objects.filter(learner=learners[0], status="active").exists()
    assert Subscription.objects.filter(learner=learners[0], status="cancelled").exists()
    plan_course = Subscription.objects.filter(learner=learners[0]).first().plan.contents.first()
    assert has_access(learners[0], plan_course)
    assert Transaction.objects.filter(learner=learners[0], kind="refund").exists()
    assert "payments: cards and payments for 4 learners" in lines[0]


def test_demo_seed_without_learners_does_nothing():
    lines = []
    demo.seed(rng=random.Random(1), log=lines.append)
    assert not Card.objects.exists() and "skipping" in lines[0]
