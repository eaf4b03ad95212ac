"""Bulk actions from the learners list: pick learners, apply one action to each of them.

Each learner is changed by the usual service in its own transaction (one audit event each);
a refusal for one learner is reported and the others go on.
"""

import datetime

from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from access.models import Content
from access.services import access_add, end_of_day
from users import audit, details, field_types, services
from users.models import ProfileField, User
from users.roles import RANK, Role, rank_of
from users.rules import require
from users.selectors import learner_search, narrowed

from . import grants
from .models import BulkJob

ACTIONS = {
    "disable": "Disable",
    "enable": "Enable",
    "assign_role": "Assign role",
    "grant_content": "Grant content",
    "set_reference": "Set a reference field",
    "resend_invite": "Resend invite",
}
# Up to this many learners are changed during the request; more go to a Celery task.
INLINE_LIMIT = 200
# The largest selection one bulk action takes; "all matching" counts one further to tell.
MAX_SELECTION = 10_000
COUNT_LIMIT = MAX_SELECTION + 1
# Progress is written after every this many learners.
PROGRESS_EVERY = 25
# At most this many failures are kept with their reasons (the failed count keeps counting).
MAX_ERRORS = 1_000


class SelectionError(ValueError):
    """The posted selection cannot be used (nothing selected, malformed, too many)."""


def parse_ids(values):
    """Positive integer ids from posted strings; SelectionError on anything else."""
    if len(values) > MAX_SELECTION:
        raise SelectionError(f"Select at most {MAX_SELECTION:,} learners at once.")
    ids = []
    for value in values:
        value = str(value).strip()
        if not value.isdigit() or len(value) > 18 or int(value) == 0:
            raise SelectionError("The selection was not understood; select the learners again.")
        ids.append(int(value))
    return list(dict.fromkeys(ids))


def matching_ids(*, query, disabled, conditions=()):
    """Ids of the users the learners list shows for this search and these filters
    (users/list_filters.py), at most COUNT_LIMIT of them."""
    users = narrowed(User.objects.filter(is_active=not disabled), conditions)
    users = learner_search(users, query)
    return list(users.order_by("pk").values_list("pk", flat=True)[:COUNT_LIMIT])


def resolve_selection(*, ids, all_matching, query, disabled, conditions=()):
    """The ids a bulk action will touch: the ticked rows or every match of the list."""
    if all_matching:
        found = matching_ids(query=query, disabled=disabled, conditions=conditions)
        if len(found) > MAX_SELECTION:
            raise SelectionError(
                f"More than {MAX_SELECTION:,} learners match this search: narrow it down."
            )
    else:
        if not ids:
            raise SelectionError("Select at least one learner.")
        found = list(User.objects.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    if not found:
        raise SelectionError("None of the selected learners exist any more.")
    return found


def describe(*, action, parameters, count):
    """What will happen, in a sentence for the confirmation page."""
    who = f"{count:,} learner{'s' if count != 1 else ''}"
    if action == "disable":
        return f"Disable {who}: they will not be able to sign in, and their sessions end."
    if action == "enable":
        return f"Enable {who}: they will be able to sign in again."
    if action == "assign_role":
        return f"Give {who} the role {Role(parameters['role']).label}."
    if action == "grant_content":
        until = parameters.get("expires_on")
        suffix = f" until {until}" if until else " with no expiry"
        return f"Open “{parameters['content_label']}” to {who}{suffix}."
    if action == "set_reference":
        label = parameters["field_label"]
        if not parameters["value"]:
            return f"Clear {label} of {who}; those who have no {label} stay as they are."
        return (
            f"Set {label} to “{parameters['value_shown']}” for {who}; those who already have "
            "it stay as they are."
        )
    return f"Send the invitation e-mail again to {who} (those who never signed in)."


def check_parameters(*, actor, action, parameters):
    """Refuse an action the actor may not start at all (before anyone is touched)."""
    require(action in ACTIONS, "Choose one of the bulk actions.")
    if action == "assign_role":
        require(
            actor is None or RANK[Role(parameters["role"])] <= rank_of(actor),
            "You may not give this role.",
        )
    if action == "grant_content":
        require(
            actor is None or actor.has_perm(grants.PERMISSION),
            "Your role does not allow granting content.",
        )


def bulk_job_start(*, actor, action, parameters, user_ids):
    """Record a bulk action; small ones run now, larger ones in a Celery task after commit."""
    check_parameters(actor=actor, action=action, parameters=parameters)
    require(0 < len(user_ids) <= MAX_SELECTION, "Select between 1 and 10,000 learners.")
    with transaction.atomic():
        job = BulkJob.objects.create(
            actor=actor,
            action=action,
            parameters=parameters,
            user_ids=list(user_ids),
            total=len(user_ids),
        )
        audit.record(
            actor=actor,
            subject=None,
            action="bulk.started",
            changes={"action": [None, ACTIONS[action]], "learners": [None, job.total]},
        )
        if job.total > INLINE_LIMIT:
            transaction.on_commit(lambda: run_bulk_job.delay(job.pk))
    if job.total <= INLINE_LIMIT:
        job = bulk_job_run(job_id=job.pk)
    return job


def bulk_job_run(*, job_id):
    """Apply the job to each learner not yet done, a chunk at a time.

    Each chunk holds the job's row lock and commits with its progress, so a redelivered or
    duplicated task resumes where the last commit left off and never counts anyone twice.
    Each learner's change is its own atomic block inside the chunk.
    """
    while True:
        with transaction.atomic():
            job = BulkJob.objects.select_for_update().filter(pk=job_id).first()
            if job is None or job.status == BulkJob.Status.DONE:
                return job
            processed = job.done + job.failed
            chunk = job.user_ids[processed : processed + PROGRESS_EVERY]
            actor = User.objects.filter(pk=job.actor_id).first() if job.actor_id else None
            if job.actor_id and (actor is None or not actor.is_active):
                _fail_rest(job, "The person who started this is no longer active.")
                chunk = []
            if not chunk:
                job.status, job.finished_at = BulkJob.Status.DONE, timezone.now()
                job.save(update_fields=["status", "finished_at", "failed", "errors"])
                return job
            _run_chunk(job, chunk, actor)
            job.status = BulkJob.Status.RUNNING
            job.save(update_fields=["status", "done", "unchanged", "failed", "errors"])


def _run_chunk(job, chunk, actor):
    users = User.objects.in_bulk(chunk)
    for user_id in chunk:
        user = users.get(user_id)
        if user is None:
            changed, reason = False, "This user no longer exists."
        else:
            changed, reason = apply_one(action=job.action, user=user, actor=actor, job=job)
        if reason is None:
            job.done += 1
            job.unchanged += 0 if changed else 1
            continue
        job.failed += 1
        if len(job.errors) < MAX_ERRORS:
            email = user.email if user is not None else ""
            job.errors.append({"user_id": user_id, "email": email, "reason": reason})


def _fail_rest(job, reason):
    job.failed = job.total - job.done
    job.errors.append({"user_id": None, "email": "", "reason": reason})


def apply_one(*, action, user, actor, job):
    """Apply the job's action to one learner: (changed, None) when it worked (changed False:
    the learner was already as asked), else (False, the reason why not)."""
    step = STEPS.get(action)
    if step is None:
        return False, "Unknown action."
    try:
        with transaction.atomic():
            changed = step(user=user, actor=actor, job=job)
    except PermissionDenied as refused:
        return False, str(refused) or "You are not allowed to do this."
    except ValidationError as invalid:
        return False, " ".join(invalid.messages)
    except details.StaleRecord:
        return False, "The record changed during the bulk action; try again."
    except ObjectDoesNotExist:
        return False, "This user no longer exists."
    return changed, None


def role_assign(*, user, actor, role):
    """Give one learner a role (the Details tab's service: the actor's own limits apply);
    True if it changed."""
    _, changes = details.user_update_details(
        user=user, actor=actor, expected_version=user.version, profile={}, role=role
    )
    return bool(changes)


def reference_set(*, user, actor, parameters):
    """Set one reference field of one learner (the Details tab's service, checked again by
    type: the field or its choices may have changed since the job started); True if it
    changed."""
    field = ProfileField.objects.filter(
        kind=ProfileField.Kind.REFERENCE, key=parameters["field"], retired_at__isnull=True
    ).first()
    if field is None:
        raise ValidationError(f"“{parameters['field_label']}” is no longer a reference field.")
    value = field_types.parse(field, parameters["value"])
    _, changes = details.user_update_details(
        user=user,
        actor=actor,
        expected_version=user.version,
        profile={},
        references={field.key: value},
    )
    return bool(changes)


def content_grant(*, user, actor, parameters):
    """Open one content item, found by its slug (the access app's service)."""
    item = Content.objects.filter(slug=parameters["content"]).first()
    if item is None:
        raise ValidationError("This content no longer exists.")
    expires_on = parameters.get("expires_on")
    expires_at = end_of_day(datetime.date.fromisoformat(expires_on)) if expires_on else None
    _, opened = access_add(user=user, item=item, actor=actor, expires_at=expires_at)
    return opened


STEPS = {
    "disable": lambda *, user, actor, job: services.user_disable(
        user=user, actor=actor, reason="Bulk action"
    )[1],
    "enable": lambda *, user, actor, job: services.user_enable(
        user=user, actor=actor, reason="Bulk action"
    )[1],
    "assign_role": lambda *, user, actor, job: role_assign(
        user=user, actor=actor, role=job.parameters["role"]
    ),
    "grant_content": lambda *, user, actor, job: content_grant(
        user=user, actor=actor, parameters=job.parameters
    ),
    "set_reference": lambda *, user, actor, job: reference_set(
        user=user, actor=actor, parameters=job.parameters
    ),
    # None: this job's invitation to this learner was already sent (a redelivered task).
    "resend_invite": lambda *, user, actor, job: (
        services.invite_send(
            user=user,
            actor=actor,
            request_key=f"bulk:{job.pk}:{user.pk}",
            link_base=job.parameters.get("link_base", ""),
        )
        is not None
    ),
}


@shared_task(name="batch.tasks.run_bulk_job", acks_late=True)
def run_bulk_job(job_id):
    """Apply a large bulk action learner by learner, writing progress as it goes."""
    job = bulk_job_run(job_id=job_id)
    return None if job is None else {"done": job.done, "failed": job.failed}
