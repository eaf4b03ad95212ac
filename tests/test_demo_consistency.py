"""The seeded demo school tells one story: no dates in the future, learners with history have
signed in, completion agrees with assessment results (SQLite and PostgreSQL alike)."""

import io

import pytest
from django.core.management import call_command
from django.db.models import F, Max
from django.utils import timezone

from activity.models import Attempt, Certificate
from engagement.models import ContentAction, Progress
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", learners=40, stdout=io.StringIO())


def test_nothing_in_the_demo_happens_in_the_future(demo):
    now = timezone.now()
    assert not User.objects.filter(last_login__gt=now).exists()
    assert not User.objects.filter(date_joined__gt=now).exists()
    assert not ContentAction.objects.filter(occurred_at__gt=now).exists()
    assert not Progress.objects.filter(last_activity_at__gt=now).exists()
    assert not Progress.objects.filter(completed_at__gt=now).exists()
    assert not Attempt.objects.filter(submitted_at__gt=now).exists()
    assert not Certificate.objects.filter(issued_at__gt=now).exists()
    assert not User.objects.filter(last_login__lt=F("date_joined")).exists()


def test_learners_with_history_have_signed_in_since(demo):
    assert ContentAction.objects.filter(learner__email="learner1@example.com").count() > 30
    own = (
        ContentAction.objects.filter(real_actor__isnull=True)
        .values("learner_id")
        .annotate(last=Max("occurred_at"))
    )
    learners = dict(User.objects.values_list("pk", "last_login"))
    for row in own:
        last_login = learners[row["learner_id"]]
        assert last_login is not None and last_login >= row["last"], row
    for learner_id, started in Attempt.objects.values_list("learner_id").annotate(
        Max("started_at")
    ):
        assert learners[learner_id] is not None and learners[learner_id] >= started


def test_completion_agrees_with_assessment_results(demo):
    assessed = Progress.objects.filter(content__assessments__isnull=False).distinct()
    assert assessed.filter(status="completed").exists()  # the demo shows both outcomes
    assert Attempt.objects.filter(passed=False).exists()
    for progress in assessed:
        passed = Attempt.objects.filter(
            learner_id=progress.learner_id,
            assessment__content_id=progress.content_id,
            passed=True,
            forgiven_at__isnull=True,
        ).exists()
        assert (progress.status == "completed") == passed, (progress, passed)
    # The log's "assessment submitted" entries are the learner's real attempts.
    for progress in Progress.objects.all():
        logged = ContentAction.objects.filter(
            learner_id=progress.learner_id,
            content_id=progress.content_id,
            action=ContentAction.Action.ASSESSMENT_SUBMITTED,
        ).count()
        real = Attempt.objects.filter(
            learner_id=progress.learner_id,
            assessment__content_id=progress.content_id,
            submitted_at__isnull=False,
        ).count()
        assert logged == real


def test_no_demo_learner_signs_in_before_joining_or_after_now():
    import random

    from users import demo as users_demo

    now = timezone.now()
    rows = list(users_demo._learner_rows(3000, start=0, rng=random.Random(3), now=now))
    signed_in = [row for row in rows if row["last_login"] is not None]
    assert signed_in and all(row["date_joined"] <= row["last_login"] <= now for row in signed_in)
