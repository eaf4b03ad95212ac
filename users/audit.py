"""The audit log: one function records an event; services call it."""

import contextvars
from dataclasses import dataclass

from django.utils import timezone

from .models import AuditEvent

REDACTED = "changed"


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None
    user_agent: str
    real_actor_id: int | None


_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request_context", default=None
)


def bind_request(*, ip_address, user_agent, real_actor_id):
    """Called by middleware: who is really behind this request, from where."""
    return _context.set(
        RequestContext(
            ip_address=ip_address, user_agent=user_agent[:300], real_actor_id=real_actor_id
        )
    )


def unbind_request(token):
    _context.reset(token)


def changes_between(old, new, *, secret_fields=()):
    """{field: [old, new]} for the fields whose values differ; secrets read "changed"."""
    changes = {}
    for field, new_value in new.items():
        old_value = old.get(field)
        if old_value == new_value:
            continue
        if field in secret_fields:
            changes[field] = [REDACTED, REDACTED]
        else:
            changes[field] = [_plain(old_value), _plain(new_value)]
    return changes


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def record(*, actor, subject, action, changes=None, note=""):
    """Append one audit event; the request's IP, agent and real admin come from context."""
    row = event_rows(actor=actor, items=[(subject, action, changes)], note=note)[0]
    del row["actor_id"], row["subject_id"]
    return AuditEvent.objects.create(**row, actor=actor, subject=subject)


def event_rows(*, actor, items, note=""):
    """The audit events of (subject, action, changes) `items`, as {column attname: value}
    rows, exactly as `record` writes each: the CSV import inserts thousands at once (as
    rows: building 100,000 model instances costs 2 s)."""
    context = _context.get()
    real_actor_id = context.real_actor_id if context else None
    if actor is not None and real_actor_id == actor.pk:
        real_actor_id = None
    real_actor_label = ""
    if real_actor_id is not None:
        from .models import User

        real_actor_label = (
            User.objects.filter(pk=real_actor_id).values_list("email", flat=True).first() or ""
        )
    shared = {
        "created_at": timezone.now(),
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": actor.email if actor is not None else "system",
        "real_actor_id": real_actor_id,
        "real_actor_label": real_actor_label,
        "note": note,
        "ip_address": context.ip_address if context else None,
        "user_agent": context.user_agent if context else "",
    }
    return [
        {
            **shared,
            "subject_id": subject.pk if subject is not None else None,
            "action": action,
            "changes": changes or {},
            "subject_version": getattr(subject, "version", None),
        }
        for subject, action, changes in items
    ]


def current_real_actor_id():
    """The admin impersonating in this request, or None: for records kept outside the audit log."""
    context = _context.get()
    return context.real_actor_id if context else None


def request_context():
    """The request's IP, user agent and real admin (a RequestContext), or None outside one."""
    return _context.get()
