import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from activity import services
from activity.selectors import attempts_used
from tests.activity.factories import AssessmentFactory, AttemptFactory
from tests.factories import AdminFactory, LearnerFactory
from users.models import AuditEvent

pytestmark = pytest.mark.django_db


def tab_url(user):
    return f"/manage/users/{user.pk}/activity/"


def test_forgive_keeps_history_frees_an_attempt_and_names_admin_and_reason(admin_user, learner):
    assessment = AssessmentFactory(max_attempts=2, title="Safety quiz")
    first = services.attempt_start(user=learner, assessment=assessment)
    services.attempt_start(user=learner, assessment=assessment)
    with pytest.raises(ValidationError, match="used all 2 attempts"):
        services.attempt_start(user=learner, assessment=assessment)

    services.attempt_forgive(attempt=first, actor=admin_user, reason="Power cut during the test")

    first.refresh_from_db()
    assert first.forgiven_by == admin_user and first.forgiven_at is not None
    assert attempts_used(user=learner, assessment=assessment) == 1
    third = services.attempt_start(user=learner, assessment=assessment)
    assert third.pk
    assert learner.assessment_attempts.count() == 3
    event = AuditEvent.objects.get(action="activity.attempt_forgiven")
    assert event.actor == admin_user and event.subject == learner
    assert event.note == "Power cut during the test"
    assert "Safety quiz" in event.changes["attempt"][1]


def test_undo_makes_the_attempt_count_again(admin_user, learner):
    assessment = AssessmentFactory(max_attempts=1)
    attempt = AttemptFactory(learner=learner, assessment=assessment)
    services.attempt_forgive(attempt=attempt, actor=admin_user)
    assert attempts_used(user=learner, assessment=assessment) == 0
    services.attempt_unforgive(attempt=attempt, actor=admin_user)
    attempt.refresh_from_db()
    assert attempt.forgiven_at is None and attempt.forgiven_by is None
    assert attempts_used(user=learner, assessment=assessment) == 1
    with pytest.raises(ValidationError):
        services.attempt_start(user=learner, assessment=assessment)
    assert list(
        AuditEvent.objects.filter(subject=learner).order_by("id").values_list("action", flat=True)
    ) == ["activity.attempt_forgiven", "activity.attempt_unforgiven"]


def test_forgiving_twice_writes_one_event(admin_user, learner):
    attempt = AttemptFactory(learner=learner)
    services.attempt_forgive(attempt=attempt, actor=admin_user)
    services.attempt_forgive(attempt=attempt, actor=admin_user)
    assert AuditEvent.objects.filter(action="activity.attempt_forgiven").count() == 1


def test_unlimited_assessment_never_refuses(learner):
    assessment = AssessmentFactory(max_attempts=None)
    for _ in range(5):
        services.attempt_start(user=learner, assessment=assessment)
    assert attempts_used(user=learner, assessment=assessment) == 5


def test_submit_scores_against_the_passing_score(learner):
    assessment = AssessmentFactory(passing_score=80)
    attempt = services.attempt_submit(
        attempt=services.attempt_start(user=learner, assessment=assessment), score=80
    )
    assert attempt.passed and attempt.score == 80
    with pytest.raises(ValidationError):
        services.attempt_submit(attempt=attempt, score=90)


@pytest.mark.parametrize("actor_kind", ["learner", "other_learner"])
def test_learners_cannot_forgive(learner, actor_kind):
    attempt = AttemptFactory(learner=learner)
    actor = learner if actor_kind == "learner" else LearnerFactory()
    with pytest.raises(PermissionDenied):
        services.attempt_forgive(attempt=attempt, actor=actor)


def test_customer_service_forgives_learners_but_not_admins(support_user, learner):
    services.attempt_forgive(attempt=AttemptFactory(learner=learner), actor=support_user)
    with pytest.raises(PermissionDenied):
        services.attempt_forgive(attempt=AttemptFactory(learner=AdminFactory()), actor=support_user)


def test_tab_lists_attempts_per_assessment_newest_first_with_used_and_allowed(
    admin_client, learner
):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    exam = AssessmentFactory(title="Final exam", max_attempts=3)
    AttemptFactory(learner=learner, assessment=exam, started_at=now - timedelta(days=2), score=41)
    AttemptFactory(learner=learner, assessment=exam, started_at=now - timedelta(days=1), score=62)
    quiz = AssessmentFactory(title="Pop quiz", max_attempts=None)
    AttemptFactory(learner=learner, assessment=quiz, score=90, passed=True)

    response = admin_client.get(tab_url(learner))
    page = response.content.decode()
    assert response.status_code == 200
    groups = response.context["tab"].attempt_groups
    assert [group.assessment.title for group in groups] == ["Final exam", "Pop quiz"]
    assert [attempt.score for attempt in groups[0].attempts] == [62, 41]
    assert "Attempts used: <strong>2</strong> of <strong>3</strong> allowed" in page
    assert "Attempts used: <strong>1</strong> of unlimited" in page
    assert page.index("62%") < page.index("41%")


def test_forgive_page_confirms_then_forgives_with_reason(admin_client, admin_user, learner):
    attempt = AttemptFactory(learner=learner, assessment=AssessmentFactory(max_attempts=1))
    url = f"/manage/users/{learner.pk}/activity/attempts/{attempt.pk}/forgive/"
    confirm = admin_client.get(url)
    assert "Forgive this attempt?" in confirm.content.decode()
    attempt.refresh_from_db()
    assert attempt.forgiven_at is None

    response = admin_client.post(url, {"reason": "Browser crashed"}, follow=True)
    page = response.content.decode()
    assert "forgiven: it no longer counts toward the limit" in page
    assert "Attempts used: <strong>0</strong> of <strong>1</strong>" in page
    assert "Browser crashed" in page
    assert ">Undo<" in page

    undo = f"/manage/users/{learner.pk}/activity/attempts/{attempt.pk}/unforgive/"
    confirm = admin_client.get(undo)  # without JavaScript: a confirmation page
    assert confirm.status_code == 200
    attempt.refresh_from_db()
    assert attempt.forgiven_at is not None
    page = admin_client.post(undo, follow=True).content.decode()
    assert "Attempts used: <strong>1</strong> of <strong>1</strong>" in page
    assert "Limit reached" in page


def test_too_long_reason_is_refused_at_the_field(admin_client, learner):
    attempt = AttemptFactory(learner=learner)
    url = f"/manage/users/{learner.pk}/activity/attempts/{attempt.pk}/forgive/"
    response = admin_client.post(url, {"reason": "x" * 501})
    assert response.status_code == 200
    assert "Ensure this value has at most 500 characters" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.forgiven_at is None


def test_an_attempt_of_someone_else_is_not_found(admin_client, learner):
    attempt = AttemptFactory()
    url = f"/manage/users/{learner.pk}/activity/attempts/{attempt.pk}/forgive/"
    assert admin_client.post(url, {"reason": ""}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.forgiven_at is None


def test_customer_service_sees_forgive_but_an_admin_record_has_no_buttons(support_client, learner):
    AttemptFactory(learner=learner)
    assert ">Forgive<" in support_client.get(tab_url(learner)).content.decode()
    admin = AdminFactory()
    AttemptFactory(learner=admin)
    assert ">Forgive<" not in support_client.get(tab_url(admin)).content.decode()
