"""Every change to engagement: the learner's own steps and staff corrections.

Learner steps (open, complete) are recorded in the content actions log, with the admin behind
an impersonated session in `real_actor`. Opening content is not a change to the user record, so
it writes no audit event; completing and every staff correction write exactly one.
"""

from datetime import datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from access.selectors import has_access
from users import audit
from users.rules import require_can_edit

from .models import ContentAction, Progress

Action = ContentAction.Action
Status = Progress.Status

PROGRESS_FIELDS = [
    "status",
    "percent",
    "time_spent",
    "first_activity_at",
    "last_activity_at",
    "completed_at",
    "score",
    "completion_source",
]


def action_record(*, learner, content, action, occurred_at=None, details=None):
    """Append one entry to the content actions log (the impersonating admin comes from context)."""
    return ContentAction.objects.create(
        learner=learner,
        content=content,
        action=action,
        occurred_at=occurred_at or timezone.now(),
        details=details or {},
        real_actor_id=audit.current_real_actor_id(),
    )


def _locked_progress(*, learner, content):
    """The learner's progress row for this content, created if missing, locked for update."""
    progress, _ = Progress.objects.get_or_create(learner=learner, content=content)
    return Progress.objects.select_for_update().get(pk=progress.pk)


def _snapshot(progress):
    return {
        "status": progress.status,
        "percent": progress.percent,
        "completed_at": progress.completed_at.isoformat() if progress.completed_at else None,
    }


def _require_access(learner, content):
    if not has_access(learner, content):
        raise PermissionDenied("You do not have access to this content.")


@transaction.atomic
def content_open(*, learner, content):
    """The learner opened content: log "viewed", and "started" the first time (or after a reset)."""
    _require_access(learner, content)
    now = timezone.now()
    progress = _locked_progress(learner=learner, content=content)
    action_record(learner=learner, content=content, action=Action.VIEWED, occurred_at=now)
    fields = ["last_activity_at"]
    progress.last_activity_at = now
    if progress.status == Status.NOT_STARTED:
        action_record(learner=learner, content=content, action=Action.STARTED, occurred_at=now)
        progress.status = Status.IN_PROGRESS
        progress.first_activity_at = progress.first_activity_at or now
        fields += ["status", "first_activity_at"]
    progress.save(update_fields=fields)
    return progress


def _complete(*, progress, learner, content, completed_at, source, action, details):
    """Shared completion step; returns the certificate when one was issued now."""
    from activity.services import certificate_issue_on_completion

    now = timezone.now()
    progress.status = Status.COMPLETED
    progress.percent = 100
    progress.completed_at = completed_at
    progress.completion_source = source
    progress.first_activity_at = progress.first_activity_at or min(completed_at, now)
    progress.last_activity_at = now
    progress.save(update_fields=PROGRESS_FIELDS)
    action_record(learner=learner, content=content, action=action, occurred_at=now, details=details)
    certificate = certificate_issue_on_completion(user=learner, content=content)
    # The certificate is its own record (activity), which the content actions log reads.
    if certificate is not None and certificate.issued_at >= now:
        return certificate
    return None


@transaction.atomic
def content_complete(*, learner, content):
    """The learner marked content complete; issues its certificate when it has one."""
    _require_access(learner, content)
    progress = _locked_progress(learner=learner, content=content)
    if progress.status == Status.COMPLETED:
        return progress, None
    before = _snapshot(progress)
    certificate = _complete(
        progress=progress,
        learner=learner,
        content=content,
        completed_at=timezone.now(),
        source=Progress.Source.AUTO,
        action=Action.COMPLETED,
        details={},
    )
    audit.record(
        actor=learner,
        subject=learner,
        action="engagement.completed",
        changes=audit.changes_between(before, _snapshot(progress))
        | {"content": [None, str(content)]},
    )
    return progress, certificate


@transaction.atomic
def progress_reset(*, learner, content, actor, reason):
    """Put one item back to "not started"; the log keeps its history and records the reset."""
    require_can_edit(actor=actor, target=learner, permission="engagement.reset_progress")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the progress is reset."})
    progress = _locked_progress(learner=learner, content=content)
    untouched = (Status.NOT_STARTED, 0, 0, None, None)
    if (
        progress.status,
        progress.percent,
        progress.time_spent,
        progress.score,
        progress.first_activity_at,
    ) == untouched:
        raise ValidationError({"content": "Nothing to reset: this item is not started."})
    before = _snapshot(progress)
    now = timezone.now()
    progress.status = Status.NOT_STARTED
    progress.percent = 0
    progress.time_spent = 0
    progress.first_activity_at = None
    progress.last_activity_at = now
    progress.completed_at = None
    progress.score = None
    progress.completion_source = ""
    progress.save(update_fields=PROGRESS_FIELDS)
    action_record(
        learner=learner,
        content=content,
        action=Action.RESET,
        occurred_at=now,
        details={"by": actor.email if actor else "system", "reason": reason, "before": before},
    )
    audit.record(
        actor=actor,
        subject=learner,
        action="engagement.progress_reset",
        changes=audit.changes_between(before, _snapshot(progress))
        | {"content": [str(content), str(content)]},
        note=reason,
    )
    return progress


@transaction.atomic
def progress_complete_manually(*, learner, content, actor, completed_on, reason):
    """Record a completion done elsewhere (an external class), possibly back-dated."""
    require_can_edit(actor=actor, target=learner, permission="engagement.complete_manually")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this is marked complete."})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "The completion date cannot be in the future."})
    progress = _locked_progress(learner=learner, content=content)
    if progress.status == Status.COMPLETED:
        raise ValidationError({"content": "Nothing to mark: this item is already completed."})
    before = _snapshot(progress)
    completed_at = min(
        timezone.make_aware(datetime.combine(completed_on, time(12))), timezone.now()
    )
    certificate = _complete(
        progress=progress,
        learner=learner,
        content=content,
        completed_at=completed_at,
        source=Progress.Source.MANUAL,
        action=Action.MANUAL_COMPLETION,
        details={
            "by": actor.email if actor else "system",
            "reason": reason,
            "completed_on": completed_on.isoformat(),
        },
    )
    audit.record(
        actor=actor,
        subject=learner,
        action="engagement.completed_manually",
        changes=audit.changes_between(before, _snapshot(progress))
        | {"content": [None, str(content)]},
        note=reason,
    )
    return progress, certificate
