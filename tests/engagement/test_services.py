"""Recording, reset keeping history, manual completion, impersonation, the invariants."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from engagement import services
from engagement.models import ContentAction, Progress
from tests.engagement.factories import ContentFactory, ProgressFactory, grant
from tests.factories import LearnerFactory
from tests.races import all_at_once
from users import audit
from users.models import AuditEvent

pytestmark = pytest.mark.django_db

Action = ContentAction.Action


def actions_of(learner):
    return list(
        ContentAction.objects.filter(learner=learner)
        .order_by("occurred_at", "id")
        .values_list("action", flat=True)
    )


def test_opening_records_viewed_and_started_once(learner):
    content = ContentFactory()
    grant(learner, content)
    services.content_open(learner=learner, content=content)
    services.content_open(learner=learner, content=content)
    assert actions_of(learner) == [Action.VIEWED, Action.STARTED, Action.VIEWED]
    progress = Progress.objects.get(learner=learner, content=content)
    assert progress.status == Progress.Status.IN_PROGRESS
    assert progress.first_activity_at is not None


def test_opening_without_access_is_refused_and_records_nothing(learner):
    content = ContentFactory()
    with pytest.raises(PermissionDenied):
        services.content_open(learner=learner, content=content)
    assert actions_of(learner) == []
    assert not Progress.objects.exists()


def test_completing_records_completion_and_one_audit_event(learner):
    content = ContentFactory()
    grant(learner, content)
    services.content_open(learner=learner, content=content)
    progress, certificate = services.content_complete(learner=learner, content=content)
    assert certificate is None
    assert progress.status == Progress.Status.COMPLETED and progress.percent == 100
    assert progress.completion_source == Progress.Source.AUTO
    assert actions_of(learner)[-1] == Action.COMPLETED
    assert AuditEvent.objects.filter(subject=learner, action="engagement.completed").count() == 1
    again, _ = services.content_complete(learner=learner, content=content)
    assert actions_of(learner).count(Action.COMPLETED) == 1
    assert again.completed_at == progress.completed_at


def test_reset_returns_to_not_started_and_keeps_the_history(admin_user, learner):
    content = ContentFactory()
    grant(learner, content)
    services.content_open(learner=learner, content=content)
    services.content_complete(learner=learner, content=content)
    before = actions_of(learner)

    progress = services.progress_reset(
        learner=learner, content=content, actor=admin_user, reason="Wants to retake it"
    )

    assert progress.status == Progress.Status.NOT_STARTED
    assert (progress.percent, progress.time_spent, progress.completed_at) == (0, 0, None)
    assert actions_of(learner) == [*before, Action.RESET]
    reset = ContentAction.objects.get(learner=learner, action=Action.RESET)
    assert reset.details["reason"] == "Wants to retake it"
    assert reset.details["before"]["status"] == "completed"
    event = AuditEvent.objects.get(subject=learner, action="engagement.progress_reset")
    assert event.note == "Wants to retake it"
    assert event.changes["status"] == ["completed", "not_started"]
    services.content_open(learner=learner, content=content)
    assert actions_of(learner)[-2:] == [Action.VIEWED, Action.STARTED]


def test_reset_needs_a_reason_and_the_permission(admin_user, support_user, learner):
    content = ContentFactory()
    ProgressFactory(learner=learner, content=content)
    with pytest.raises(ValidationError):
        services.progress_reset(learner=learner, content=content, actor=admin_user, reason="  ")
    other = LearnerFactory()
    with pytest.raises(PermissionDenied):
        services.progress_reset(learner=learner, content=content, actor=other, reason="x")
    services.progress_reset(learner=learner, content=content, actor=support_user, reason="fix")
    assert Progress.objects.get(learner=learner, content=content).status == "not_started"


def test_manual_completion_is_back_dated_and_marked_manual(admin_user, learner):
    content = ContentFactory()
    grant(learner, content)
    day = timezone.localdate() - timedelta(days=30)
    progress, _ = services.progress_complete_manually(
        learner=learner,
        content=content,
        actor=admin_user,
        completed_on=day,
        reason="External class",
    )
    assert progress.status == Progress.Status.COMPLETED
    assert progress.completion_source == Progress.Source.MANUAL
    assert timezone.localtime(progress.completed_at).date() == day
    manual = ContentAction.objects.get(learner=learner, action=Action.MANUAL_COMPLETION)
    assert manual.details["completed_on"] == day.isoformat()
    assert manual.details["reason"] == "External class"
    event = AuditEvent.objects.get(subject=learner, action="engagement.completed_manually")
    assert event.note == "External class"
    assert event.changes["status"] == ["not_started", "completed"]


def test_manual_completion_refuses_a_future_date_and_customer_service(
    admin_user, support_user, learner
):
    content = ContentFactory()
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.progress_complete_manually(
            learner=learner, content=content, actor=admin_user, completed_on=tomorrow, reason="x"
        )
    assert "completed_on" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.progress_complete_manually(
            learner=learner,
            content=content,
            actor=support_user,
            completed_on=timezone.localdate(),
            reason="x",
        )
    assert not Progress.objects.filter(status="completed").exists()


def test_actions_done_while_impersonating_name_the_admin(admin_user, learner):
    content = ContentFactory()
    grant(learner, content)
    token = audit.bind_request(ip_address=None, user_agent="", real_actor_id=admin_user.pk)
    try:
        services.content_open(learner=learner, content=content)
    finally:
        audit.unbind_request(token)
    services.content_open(learner=learner, content=content)
    marked = ContentAction.objects.filter(learner=learner).order_by("id")
    assert [row.real_actor_id for row in marked] == [admin_user.pk, admin_user.pk, None]


def test_the_log_is_append_only(learner):
    content = ContentFactory()
    grant(learner, content)
    services.content_open(learner=learner, content=content)
    row = ContentAction.objects.first()
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        ContentAction.objects.all().delete()
    with pytest.raises(TypeError):
        ContentAction.objects.update(action="completed")


def test_the_database_refuses_two_progress_rows_and_bad_percents(learner):
    content = ContentFactory()
    ProgressFactory(learner=learner, content=content)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressFactory(learner=learner, content=content)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressFactory(learner=learner, percent=101)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressFactory(learner=learner, status="completed", completed_at=None)


@pytest.mark.postgres  # two requests at once: row locks
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_mark_complete_completes_once():
    learner = LearnerFactory()
    content = ContentFactory()
    grant(learner, content)
    all_at_once(2, lambda: services.content_complete(learner=learner, content=content))
    assert Progress.objects.filter(learner=learner).count() == 1
    assert ContentAction.objects.filter(learner=learner, action=Action.COMPLETED).count() == 1
