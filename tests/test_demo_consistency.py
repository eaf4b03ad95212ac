"""The seeded demo school tells one story: no dates in the future, learners with history have
signed in, completion agrees with assessment results, most learners answered the school's
learner fields after joining (SQLite and PostgreSQL alike)."""

import io

import pytest
from django.core.management import call_command
from django.db.models import F, Max
from django.utils import timezone

from activity.models import Attempt, Certificate
from engagement.models import ContentAction, Progress
from users import demo_fields, field_types
from users.models import AuditEvent, ProfileField, ProfileValue, User

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


def test_demo_learners_answered_the_schools_learner_fields(demo):
    fields = {field.key: field for field in ProfileField.objects.all()}
    by_id = {field.pk: field for field in fields.values()}
    assert set(fields) == set(demo_fields.KEYS)
    kinds = [fields[key].kind for key in demo_fields.KEYS]
    assert kinds == ["reference"] * 2 + ["custom_input"] * 2 + ["survey"] * 3
    assert fields["employee-id"].learner_visible and not fields["cost-centre"].learner_visible
    created = AuditEvent.objects.filter(action="learner_field.created")
    assert list(created.values_list("actor_label", flat=True)) == ["admin@school.example"] * 7
    learners = User.objects.filter(groups__isnull=True, is_superuser=False)
    values = {}
    for value in ProfileValue.objects.all():
        values.setdefault(value.user_id, {})[value.field_id] = value
        # Canonical text of the field's type (what a CSV cell or the form would store).
        assert field_types.parse(by_id[value.field_id], value.value) == value.value
    now = timezone.now()
    answered = 0
    for learner in learners:
        own = {by_id[pk].key: value for pk, value in values[learner.pk].items()}
        if learner.survey_done_at is None:
            assert set(own) == {"employee-id", "cost-centre"}, learner.email
        else:
            answered += 1
            assert set(own) == set(demo_fields.KEYS), learner.email
            assert learner.date_joined <= learner.survey_done_at <= learner.last_login <= now
            for key in ("learning-goals", "study-hours", "mentor"):
                assert own[key].answered_at == learner.survey_done_at
        assert all(learner.date_joined <= v.answered_at <= now for v in own.values())
    assert answered > learners.count() * 0.6  # most of them
    named = learners.filter(email__in=["learner1@example.com", "long.history@example.com"])
    assert named.filter(survey_done_at__isnull=False).count() == 2


def test_the_details_tab_shows_a_demo_learners_answers(demo, client):
    client.force_login(User.objects.get(email="admin@school.example"))
    learner = User.objects.get(email="long.history@example.com")
    page = client.get(f"/manage/users/{learner.pk}/details/").content.decode()
    shown = {
        value.field.label: field_types.shown(value.field, value.value)
        for value in ProfileValue.objects.filter(user=learner).select_related("field")
    }
    assert len(shown) == 7
    for label, words in shown.items():
        assert label in page and words in page, (label, words)


def test_the_shared_history_answers_its_learner_fields_in_their_types():
    from lms.history import Sizes
    from tests.factories import LearnerFactory

    peer = LearnerFactory()
    learner = LearnerFactory(history=Sizes.each(3), history__peers=[peer.pk])
    fields = learner.history["learner_fields"]
    assert {field.field_type for field in fields} == {
        "short_text",
        "number",
        "date",
        "yes_no",
        "choice",
    }
    learner.refresh_from_db()
    values = ProfileValue.objects.filter(field__in=fields).select_related("field", "user")
    assert values.filter(user=learner).count() == len(fields) and values.filter(user=peer)
    for value in values:
        assert field_types.parse(value.field, value.value) == value.value
        assert value.user.date_joined <= value.answered_at <= timezone.now()
    survey = values.filter(user=learner, field__kind="survey")
    assert {value.answered_at for value in survey} == {learner.survey_done_at}
    assert learner.date_joined <= learner.survey_done_at <= learner.last_login
