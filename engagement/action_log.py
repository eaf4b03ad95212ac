"""The Content Actions Log: one list read from where each action is recorded."""

import heapq
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Q,
)

from access.models import Content
from activity.models import Certificate
from users.models import AuditEvent
from users.paging import Page, decode_cursor, page_of

from .models import ContentAction
from .reports import (
    ACTION_LABELS,
    Filters,
    day_start,
    details_text,
    learner_by_email,
)
from .selectors import EXPORT_CHUNK, PAGE_SIZE, RECENT_ACTIONS

Action = ContentAction.Action
RECORDED_ELSEWHERE = (Action.CERTIFICATE_GRANTED, Action.ARCHIVED, Action.REINSTATED)


@dataclass
class LogRow:
    """One entry of the content actions log, whichever app recorded it."""

    occurred_at: datetime
    source: int
    id: int
    learner: object
    content_title: str
    action: str
    details: dict
    real_actor: object = None

    @property
    def pk(self):
        return (self.source, self.id)

    @property
    def learner_id(self):
        return self.learner.pk

    @property
    def impersonated(self):
        return self.real_actor is not None

    def get_action_display(self):
        return ACTION_LABELS.get(self.action, self.action)


def _by_impersonation(rows, filters):
    """Rows with a real_actor: kept, left out, or alone, as the "impersonated" filter asks."""
    if filters.impersonated == "exclude":
        return rows.filter(real_actor__isnull=True)
    if filters.impersonated == "only":
        return rows.filter(real_actor__isnull=False)
    return rows


class _LogSource:
    """Where some of the log's actions are recorded: the app's own rows, read as LogRows.

    Engagement records what learners do with content (ContentAction); certificates are
    recorded by activity (Certificate) and archiving and reinstating by access, whose only
    history of them is the audit log. Those apps sit below engagement and cannot write to its
    log, so the log reads each record where it is kept: one source of truth per action.
    """

    rank = 0
    model = None
    when = "occurred_at"
    learner = "learner_id"
    related = ()
    actions = ()

    def queryset(self, filters, learner_id):
        rows = self.model.objects.all()
        if learner_id is not None:
            rows = rows.filter(**{self.learner: learner_id})
        if filters.date_from:
            rows = rows.filter(**{f"{self.when}__gte": day_start(filters.date_from)})
        if filters.date_to:
            rows = rows.filter(**{f"{self.when}__lt": day_start(filters.date_to + timedelta(1))})
        return self.narrow(rows, filters)

    def narrow(self, rows, filters):
        return rows

    def wanted(self, filters):
        return not filters.action or filters.action in self.actions


class _OwnActions(_LogSource):
    rank = 0
    model = ContentAction
    related = ("learner", "content", "real_actor")
    # Kept elsewhere (see the other sources); rows of these kinds here are legacy copies.
    ELSEWHERE = RECORDED_ELSEWHERE
    actions = tuple(a for a in Action.values if a not in RECORDED_ELSEWHERE)

    def narrow(self, rows, filters):
        rows = rows.exclude(action__in=self.ELSEWHERE)
        if filters.content_id:
            rows = rows.filter(content_id=filters.content_id)
        if filters.action:
            rows = rows.filter(action=filters.action)
        return _by_impersonation(rows, filters)

    def row(self, action):
        return LogRow(
            action.occurred_at,
            self.rank,
            action.pk,
            action.learner,
            action.content.title,
            action.action,
            action.details,
            action.real_actor,
        )


class _Certificates(_LogSource):
    """Certificates issued (by staff, or on completion), revoked ones included."""

    rank = 1
    model = Certificate
    when = "issued_at"
    related = ("learner", "content", "issued_by")
    actions = (Action.CERTIFICATE_GRANTED,)

    def wanted(self, filters):
        return super().wanted(filters) and filters.impersonated != "only"

    def narrow(self, rows, filters):
        if filters.content_id:
            rows = rows.filter(content_id=filters.content_id)
        return rows

    def row(self, certificate):
        details = {"certificate": certificate.verification_code}
        if certificate.issued_by is not None:
            details["by"] = certificate.issued_by.email
        return LogRow(
            certificate.issued_at,
            self.rank,
            certificate.pk,
            certificate.learner,
            certificate.content.title,
            Action.CERTIFICATE_GRANTED,
            details,
        )


class _AccessEvents(_LogSource):
    """A learner archiving an item, and the item brought back (by them, or reinstated)."""

    rank = 2
    model = AuditEvent
    when = "created_at"
    learner = "subject_id"
    related = ("subject", "actor", "real_actor")
    EVENTS = {
        "access.archived": Action.ARCHIVED,
        "access.unarchived": Action.REINSTATED,
        "access.reinstated": Action.REINSTATED,
    }
    ITEM_KEYS = ("content", "learning_path", "plan")
    actions = (Action.ARCHIVED, Action.REINSTATED)

    def narrow(self, rows, filters):
        events = [e for e, a in self.EVENTS.items() if not filters.action or a == filters.action]
        rows = rows.filter(action__in=events, subject__isnull=False)
        if filters.content_id:
            # Access names the item in its audit event by title.
            title = Content.objects.filter(pk=filters.content_id).values_list("title", flat=True)
            rows = rows.filter(changes__content__0=title.first() or "")
        return _by_impersonation(rows, filters)

    def row(self, event):
        item = next((event.changes[k] for k in self.ITEM_KEYS if k in event.changes), None)
        title = next((name for name in item or () if name), "") if item else ""
        details = {}
        if event.actor_id != event.subject_id:
            details["by"] = event.actor.email if event.actor else event.actor_label
        return LogRow(
            event.created_at,
            self.rank,
            event.pk,
            event.subject,
            title,
            self.EVENTS[event.action],
            details,
            event.real_actor,
        )


LOG_SOURCES = (_OwnActions(), _Certificates(), _AccessEvents())
LOG_ORDER = [("occurred_at", True), ("source", True), ("id", True)]
LOG_KINDS = ["datetime", "int", "int"]


def _log_bound(source, decoded):
    """Q for this source's rows past the cursor in (occurred_at, source, id) order."""
    direction, (moment, rank, pk) = decoded
    forward = direction == "after"
    when = source.when
    past, beyond = ("lt", "lte") if forward else ("gt", "gte")
    if source.rank == rank:
        return Q(**{f"{when}__{past}": moment}) | Q(
            **{when: moment, f"pk__{'lt' if forward else 'gt'}": pk}
        )
    ahead = source.rank < rank if forward else source.rank > rank
    return Q(**{f"{when}__{beyond if ahead else past}": moment})


def _log_rows(filters, *, learner, cursor, size):
    """Up to size + 1 LogRows past the cursor, merged from every source (one query each)."""
    decoded = decode_cursor(cursor, LOG_KINDS)
    forward = decoded is None or decoded[0] == "after"
    rows = []
    for source in LOG_SOURCES:
        if not source.wanted(filters):
            continue
        queryset = source.queryset(filters, learner)
        if decoded is not None:
            queryset = queryset.filter(_log_bound(source, decoded))
        sign = "-" if forward else ""
        queryset = queryset.select_related(*source.related).order_by(
            f"{sign}{source.when}", f"{sign}pk"
        )
        rows += [source.row(record) for record in queryset[: size + 1]]
    rows.sort(key=lambda row: (row.occurred_at, row.source, row.id), reverse=forward)
    return rows[: size + 1], forward, decoded


def _log_learner(filters, learner):
    """(learner id or None, no match): the e-mail filter resolved once for every source."""
    if learner is not None:
        return learner.pk, False
    if not filters.email:
        return None, False
    found = learner_by_email(filters.email)
    return (found.pk, False) if found is not None else (None, True)


def action_log_page(filters, *, cursor=None, size=PAGE_SIZE, learner=None):
    """A page of the content actions log, newest first: a fixed number of queries."""
    if filters is None:
        return Page(rows=[])
    learner_id, nobody = _log_learner(filters, learner)
    if nobody:
        return Page(rows=[])
    rows, forward, decoded = _log_rows(filters, learner=learner_id, cursor=cursor, size=size)
    return page_of(rows, order=LOG_ORDER, forward=forward, decoded=decoded, size=size)


def action_log_export(filters, *, withheld=frozenset()):
    """Rows of the filtered log for CSV, newest first, each source read in chunks; rows of
    the learners in `withheld` (ids the exporter may not export) are left out."""
    learner_id, nobody = _log_learner(filters, None)
    if nobody:
        return
    streams = []
    for source in LOG_SOURCES:
        if not source.wanted(filters):
            continue
        queryset = (
            source.queryset(filters, learner_id)
            .select_related(*source.related)
            .order_by(f"-{source.when}", "-pk")
        )
        streams.append(map(source.row, queryset.iterator(chunk_size=EXPORT_CHUNK)))
    merged = heapq.merge(
        *streams, key=lambda row: (row.occurred_at, row.source, row.id), reverse=True
    )
    for row in merged:
        if row.learner.pk in withheld:
            continue
        yield [
            row.occurred_at.isoformat(),
            row.learner.email,
            row.content_title,
            row.get_action_display(),
            row.real_actor.email if row.real_actor else "",
            details_text(row.details),
        ]


def recent_actions(learner, limit=RECENT_ACTIONS):
    """The learner's last actions in the content actions log (every source, see LOG_SOURCES)."""
    return action_log_page(Filters(impersonated="include"), learner=learner, size=limit).rows
