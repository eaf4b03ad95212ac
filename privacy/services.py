"""Privacy requests: export everything we hold about a learner, and erase them.

Each area has a part: `export(user) -> {table: [row, ...]}` and `erase(user) -> {what: count}`.
This module holds the users app's part (profile, fields, e-mails, audit) and runs them all;
privacy/parts/ holds the others, one module per tab app, reading that app's models.
"""

import csv
import datetime
import io
import json
import zipfile

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from users import audit, field_types
from users.models import (
    AuditEvent,
    ErasureRequest,
    ImpersonationSession,
    OutboundEmail,
    ProfileField,
    ProfileValue,
    User,
)
from users.privacy_state import (
    ERASE_PERMISSION,
    EXPORT_PERMISSION,
    erased_email,
    is_erasable,
)
from users.races import create_unless_taken
from users.roles import role_of
from users.rules import require, require_can_edit, require_can_export
from users.sessions import end_sessions

from .parts import access, activity, engagement, payments, transcripts
from .rows import ERASED, plain, plain_rows

CANCEL_WINDOW = datetime.timedelta(days=7)
ERASED_NAME = ("Erased", "learner")
ADDRESS_FIELDS = ("street", "city", "region", "postal_code", "country")
PERSONAL_FIELDS = ("email", "first_name", "last_name", "phone", *ADDRESS_FIELDS)
# Keys of audit `changes` whose values are the learner's personal data.
PERSONAL_CHANGE_KEYS = {*PERSONAL_FIELDS, "name", "full_name", "note", "notes", "reason"}
TYPED_FIELDS = (
    ProfileField.Type.SHORT_TEXT,
    ProfileField.Type.LONG_TEXT,
    ProfileField.Type.NUMBER,
)
# Learner fields' changes are named "reference:<key>", "input:<key>", "survey:<key>".
PERSONAL_CHANGE_PREFIXES = ("reference:", "profile:", "input:", "custom_input:", "survey:")


# The users app's part --------------------------------------------------------------------------


def _users_export(user):
    """Profile, school-defined fields, invitations, impersonations and audit entries."""
    profile = {field: plain(getattr(user, field)) for field in ("id", *PERSONAL_FIELDS)}
    profile |= {
        "role": role_of(user).label,
        "is_active": user.is_active,
        "date_joined": plain(user.date_joined),
        "last_login": plain(user.last_login),
        "invited_at": plain(user.invited_at),
        "invite_accepted_at": plain(user.invite_accepted_at),
        "survey_done_at": plain(user.survey_done_at),
    }
    return {
        "profile": [profile],
        "profile_values": _learner_field_rows(user),
        "invitations": plain_rows(
            user.invitations.order_by("created_at", "id"), "created_at", "accepted_at"
        ),
        "emails": plain_rows(
            OutboundEmail.objects.filter(user=user).order_by("created_at", "id"),
            "to",
            "subject",
            "status",
            "created_at",
            "sent_at",
        ),
        "impersonations": plain_rows(
            ImpersonationSession.objects.filter(learner=user).order_by("started_at", "id"),
            "reason",
            "started_at",
            "ended_at",
            "ended_by",
            admin="admin__email",
        ),
        "audit_events": plain_rows(
            AuditEvent.objects.filter(subject=user).order_by("created_at", "id"),
            "created_at",
            "action",
            "changes",
            "note",
            actor="actor_label",
            real_actor="real_actor_label",
        ),
        "erasure_requests": plain_rows(
            ErasureRequest.objects.filter(user=user).order_by("requested_at", "id"),
            "requested_at",
            "reason",
            "due_at",
            "cancelled_at",
            "completed_at",
        ),
    }


def _learner_field_rows(user):
    """Each learner field the learner has a value for: its label, kind, type, the value in
    words and as stored, when it was answered, and whether the school retired the field."""
    values = ProfileValue.objects.filter(user=user).select_related("field")
    return [
        {
            "key": value.field.key,
            "label": value.field.label,
            "kind": value.field.get_kind_display(),
            "type": value.field.get_field_type_display(),
            "value": field_types.shown(value.field, value.value),
            "stored_value": value.value,
            "answered_at": plain(value.answered_at),
            "field_retired": value.field.is_retired,
        }
        for value in values.order_by("field__kind", "field__position", "field__id")
    ]


def _users_erase(user):
    """Anonymise the profile: names, e-mail, phone, address, profile values; no more sign-in.

    E-mails not sent yet are dropped; sent ones keep their date and subject, not the address.
    """
    personal = _personal_values(user)
    unsent, _ = OutboundEmail.objects.filter(
        user=user, status__in=[OutboundEmail.Status.PENDING, OutboundEmail.Status.FAILED]
    ).delete()
    for email in OutboundEmail.objects.filter(user=user).only("subject"):
        if _redact_text(email.subject, personal) != email.subject:
            OutboundEmail.objects.filter(pk=email.pk).update(subject=ERASED)
    OutboundEmail.objects.filter(user=user).update(to=erased_email(user), body="")
    values_deleted, _ = ProfileValue.objects.filter(user=user).delete()
    user.first_name, user.last_name = ERASED_NAME
    user.email = erased_email(user)
    user.phone = ""
    for field in ADDRESS_FIELDS:
        setattr(user, field, "")
    user.password = make_password(None)
    user.is_active = False
    user.survey_done_at = None
    user.version += 1
    user.save(
        update_fields=[*PERSONAL_FIELDS, "password", "is_active", "survey_done_at", "version"],
    )
    end_sessions(user)
    return {"profile_values_deleted": values_deleted, "unsent_emails_deleted": unsent}


# Export --------------------------------------------------------------------------------------


def _csv_text(rows):
    if not rows:
        return ""
    columns = list(dict.fromkeys(column for row in rows for column in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                key: json.dumps(value) if isinstance(value, dict | list) else value
                for key, value in row.items()
            }
        )
    return out.getvalue()


def personal_data(user):
    """Everything we hold about a learner: {app label: {table: rows}}."""
    return {label: export(user) for label, (export, _) in PARTS.items()}


@transaction.atomic
def privacy_export(*, user, actor):
    """A ZIP of JSON and CSV files of everything we hold about the learner."""
    require_can_export(actor=actor, subject=user, permission=EXPORT_PERMISSION)
    data = personal_data(user)
    exported_at = timezone.now()
    buffer = io.BytesIO()
    files = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "personal-data.json",
            json.dumps(
                {"learner_id": user.pk, "exported_at": exported_at.isoformat(), "data": data},
                indent=2,
                ensure_ascii=False,
            ),
        )
        for label, tables in data.items():
            for table, rows in tables.items():
                archive.writestr(f"{label}/{table}.csv", _csv_text(rows))
                files += 1
        archive.writestr(
            "README.txt",
            "Personal data export.\n"
            "personal-data.json holds every table; each CSV under <area>/ holds one table.\n"
            "Cards are listed by brand, last 4 digits and expiry: we never store card numbers.\n",
        )
    audit.record(
        actor=actor,
        subject=user,
        action="privacy.exported",
        changes={"tables": [None, files]},
    )
    return buffer.getvalue()


# Erasure -------------------------------------------------------------------------------------


@transaction.atomic
def erasure_request(*, user, actor, reason):
    """Schedule a learner's erasure in 7 days; it can be cancelled until then."""
    require_can_edit(actor=actor, target=user, permission=ERASE_PERMISSION)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this learner is erased."})
    if len(reason) > 500:
        raise ValidationError({"reason": "Keep the reason under 500 characters."})
    user = User.objects.select_for_update().get(pk=user.pk)
    if not is_erasable(user):
        raise ValidationError("Only a learner who has not been erased yet can be erased.")
    now = timezone.now()
    request = create_unless_taken(
        ErasureRequest,
        user=user,
        requested_by=actor,
        requested_at=now,
        reason=reason,
        due_at=now + CANCEL_WINDOW,
    )
    if request is None:
        raise ValidationError("An erasure of this learner is already scheduled.")
    audit.record(
        actor=actor,
        subject=user,
        action="privacy.erasure_requested",
        changes={"erasure_due": [None, request.due_at.isoformat()]},
        note=reason,
    )
    return request


@transaction.atomic
def erasure_cancel(*, request, actor):
    """Call off a scheduled erasure before it is done."""
    request = ErasureRequest.objects.select_for_update().select_related("user").get(pk=request.pk)
    require_can_edit(actor=actor, target=request.user, permission=ERASE_PERMISSION)
    require(request.is_open, "This erasure is no longer scheduled.")
    request.cancelled_at = timezone.now()
    request.cancelled_by = actor
    request.save(update_fields=["cancelled_at", "cancelled_by"])
    audit.record(
        actor=actor,
        subject=request.user,
        action="privacy.erasure_cancelled",
        changes={"erasure_due": [request.due_at.isoformat(), None]},
    )
    return request


def _personal_values(user):
    """The learner's own values to hunt for in free text (names, e-mail, phone, references)."""
    values = {user.email, user.full_name, user.first_name, user.last_name, str(user.phone or "")}
    values |= {getattr(user, field) for field in ADDRESS_FIELDS}
    # Typed answers only: a yes/no, a date or a school-defined choice names nobody.
    typed = ProfileValue.objects.filter(user=user, field__field_type__in=TYPED_FIELDS)
    values |= set(typed.values_list("value", flat=True))
    return sorted((value for value in values if len(value.strip()) >= 3), key=len, reverse=True)


def _redact_text(text, personal):
    if not isinstance(text, str) or not text:
        return text
    lowered = text.lower()
    return ERASED if any(value.lower() in lowered for value in personal) else text


def _redact_value(value, personal):
    if isinstance(value, list):
        return [_redact_value(item, personal) for item in value]
    if isinstance(value, dict):
        return {key: _redact_value(item, personal) for key, item in value.items()}
    return _redact_text(value, personal)


def _is_personal_key(key):
    return key in PERSONAL_CHANGE_KEYS or key.startswith(PERSONAL_CHANGE_PREFIXES)


def redact_subject_personal_data(user, personal):
    """The one sanctioned rewrite of the append-only audit log: strip a learner's personal data
    from events about them, keeping actor labels (except the learner's own), actions and times."""
    redacted = 0
    events = AuditEvent._base_manager.filter(subject=user).values_list(
        "pk", "changes", "note", "actor_id", "actor_label", "real_actor_label"
    )
    for pk, changes, note, actor_id, actor_label, real_actor_label in events.iterator():
        new_changes = {}
        for key, value in (changes or {}).items():
            if _is_personal_key(key) and isinstance(value, list):
                new_changes[key] = [ERASED if item not in (None, "") else item for item in value]
            else:
                new_changes[key] = _redact_value(value, personal)
        fields = {
            "changes": new_changes,
            "note": ERASED if note else note,
            "actor_label": _redact_text(actor_label, personal),
            "real_actor_label": _redact_text(real_actor_label, personal),
        }
        current = {
            "changes": changes,
            "note": note,
            "actor_label": actor_label,
            "real_actor_label": real_actor_label,
        }
        learner_acted = actor_id == user.pk
        if learner_acted:
            fields |= {"actor_label": ERASED, "ip_address": None, "user_agent": ""}
        if learner_acted or any(fields[key] != current[key] for key in current):
            AuditEvent._base_manager.filter(pk=pk).update(**fields)
            redacted += 1
    return redacted


@transaction.atomic
def erasure_perform(*, request, now=None):
    """Erase a learner whose cancel window has passed (the daily job; idempotent)."""
    now = now or timezone.now()
    request = ErasureRequest.objects.select_for_update().select_related("user").get(pk=request.pk)
    if not request.is_open or request.due_at > now:
        return None
    user = User.objects.select_for_update().get(pk=request.user_id)
    personal = _personal_values(user)
    changes = {}
    for label, (_, erase) in PARTS.items():
        for what, count in (erase(user) or {}).items():
            changes[f"{label}.{what}"] = [None, plain(count)]
    changes["users.audit_events_redacted"] = [None, redact_subject_personal_data(user, personal)]
    request.completed_at = now
    request.save(update_fields=["completed_at"])
    audit.record(actor=None, subject=user, action="privacy.erased", changes=changes)
    return request


def erasures_due(*, now=None):
    """Open requests whose cancel window has passed, oldest first."""
    return ErasureRequest.objects.filter(
        cancelled_at__isnull=True, completed_at__isnull=True, due_at__lte=now or timezone.now()
    ).order_by("due_at", "id")


def process_due_erasures(*, now=None, log=None):
    """Perform every due erasure, each in its own transaction; returns how many were done."""
    done = 0
    for request in erasures_due(now=now):
        if erasure_perform(request=request, now=now) is not None:
            done += 1
            if log:
                log(f"Erased learner {request.user_id} (request {request.pk}).")
    return done


# Every area's part, in the export's order: {label: (export, erase)}.
PARTS = {
    "users": (_users_export, _users_erase),
    "access": (access.export, access.erase),
    "activity": (activity.export, activity.erase),
    "engagement": (engagement.export, engagement.erase),
    "payments": (payments.export, payments.erase),
    "transcripts": (transcripts.export, transcripts.erase),
}
