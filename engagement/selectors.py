"""Read queries for the Engagement tab and the two reports, each a fixed number of queries."""

import base64
import heapq
import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Lower, TruncDate
from django.utils import timezone

from access.models import Content, LearningPath, LearningPathItem
from access.selectors import open_grants
from activity.models import Certificate
from activity.selectors import best_passed_score
from users.models import AuditEvent, User
from users.paging import Page, decode_cursor, keyset_page, page_of

from .models import ContentAction, Progress

PAGE_SIZE = 50
RECENT_ACTIONS = 20
CHART_DAYS = 90
EXPORT_CHUNK = 2000

CONTENT_ORDER = [("title", False), ("id", False)]
CONTENT_KINDS = ["str", "int"]
PROGRESS_ORDER = [("last_activity_at", True), ("id", True)]
KINDS = ["datetime", "int"]

Status = Progress.Status


# The Engagement tab


def _content_with_progress(learner):
    """Content the learner can open or has progress in, annotated with their progress."""
    return Content.objects.filter(
        Q(pk__in=open_grants(learner).filter(content__isnull=False).values("content_id"))
        | Q(pk__in=Progress.objects.filter(learner=learner).values("content_id"))
    ).annotate(
        mine=FilteredRelation("progress_records", condition=Q(progress_records__learner=learner))
    )


def earned_score():
    """A progress row's score, as the transcript shows it: the best passed attempt at the
    content's assessments, else the score recorded on the progress row."""
    return Coalesce(
        best_passed_score(learner=OuterRef("learner_id"), content=OuterRef("content_id")),
        F("score"),
        output_field=DecimalField(max_digits=5, decimal_places=2),
    )


def content_progress_page(learner, *, cursor=None, size=PAGE_SIZE):
    """One page of the learner's content by title, each with their progress (one query)."""
    contents = _content_with_progress(learner).annotate(
        progress_status=Coalesce(F("mine__status"), Value(Status.NOT_STARTED.value)),
        progress_percent=Coalesce(F("mine__percent"), Value(0)),
        progress_time_spent=Coalesce(F("mine__time_spent"), Value(0)),
        progress_last_activity_at=F("mine__last_activity_at"),
        progress_completed_at=F("mine__completed_at"),
        progress_source=F("mine__completion_source"),
        progress_score=F("mine__score"),
    )
    page = keyset_page(contents, order=CONTENT_ORDER, kinds=CONTENT_KINDS, cursor=cursor, size=size)
    for row in page.rows:
        row.progress_status_label = Status(row.progress_status).label
    return page


def correction_choices(learner):
    """(resettable, completable): [(content id, title)] for the two correction forms.

    Every item, not a page: one light query (ids and titles only).
    """
    rows = (
        _content_with_progress(learner)
        .annotate(progress_status=Coalesce(F("mine__status"), Value(Status.NOT_STARTED.value)))
        .order_by("title", "id")
        .values_list("pk", "title", "progress_status")
    )
    resettable, completable = [], []
    for pk, title, status in rows:
        if status != Status.NOT_STARTED:
            resettable.append((pk, title))
        if status != Status.COMPLETED:
            completable.append((pk, title))
    return resettable, completable


def path_status(*, completed, started, total):
    if total and completed >= total:
        return Status.COMPLETED
    if started or completed:
        return Status.IN_PROGRESS
    return Status.NOT_STARTED


def learning_path_progress(learner, paths=None):
    """Learning paths with items completed / total and overall status, derived (one query)."""
    if paths is None:
        grants = open_grants(learner)
        paths = LearningPath.objects.filter(
            Q(pk__in=grants.filter(learning_path__isnull=False).values("learning_path_id"))
            | Q(plans__in=grants.filter(plan__isnull=False).values("plan_id"))
        ).distinct()

    def count_items(**progress):
        items = (
            LearningPathItem.objects.filter(
                path=OuterRef("pk"),
                content__progress_records__learner=learner,
                **{f"content__progress_records__{key}": value for key, value in progress.items()},
            )
            .order_by()
            .values("path")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(items, output_field=IntegerField()), 0)

    total = (
        LearningPathItem.objects.filter(path=OuterRef("pk"))
        .order_by()
        .values("path")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(
        paths.annotate(
            items_total=Coalesce(Subquery(total, output_field=IntegerField()), 0),
            items_completed=count_items(status=Status.COMPLETED),
            items_started=count_items(status=Status.IN_PROGRESS),
        ).order_by("title", "id")
    )
    for row in rows:
        row.status = path_status(
            completed=row.items_completed, started=row.items_started, total=row.items_total
        )
        row.status_label = Status(row.status).label
    return rows


def recent_actions(learner, limit=RECENT_ACTIONS):
    """The learner's last actions in the content actions log (every source, see LOG_SOURCES)."""
    return action_log_page(Filters(impersonated="include"), learner=learner, size=limit).rows


@dataclass
class DayCount:
    day: object
    count: int


def actions_per_day(learner, *, days=CHART_DAYS, today=None):
    """The learner's own actions per day over the last `days` days (impersonated ones left out)."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, time.min))
    counts = dict(
        ContentAction.objects.filter(
            learner=learner, occurred_at__gte=start, real_actor__isnull=True
        )
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [
        DayCount(day, counts.get(day, 0)) for day in (first + timedelta(n) for n in range(days))
    ]


# The reports


@dataclass
class Filters:
    """Validated report filters (see forms.ReportFilterForm)."""

    email: str = ""
    content_id: int | None = None
    action: str = ""
    status: str = ""
    date_from: object = None
    date_to: object = None
    impersonated: str = "exclude"


def learner_by_email(email):
    """The user with this e-mail (case-insensitive, on the lower(email) index), or None."""
    return (
        User.objects.annotate(email_lower=Lower("email")).filter(email_lower=email.lower()).first()
    )


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(queryset, filters, *, when):
    if filters.email:
        learner = learner_by_email(filters.email)
        if learner is None:
            return queryset.none()
        queryset = queryset.filter(learner_id=learner.pk)
    if filters.content_id:
        queryset = queryset.filter(content_id=filters.content_id)
    if filters.date_from:
        queryset = queryset.filter(**{f"{when}__gte": _day_start(filters.date_from)})
    if filters.date_to:
        queryset = queryset.filter(**{f"{when}__lt": _day_start(filters.date_to + timedelta(1))})
    return queryset


def learner_progress(filters):
    """Progress rows filtered, most recent activity first (not yet evaluated)."""
    rows = _filtered(Progress.objects.all(), filters, when="last_activity_at")
    if filters.status:
        rows = rows.filter(status=filters.status)
    return rows


def _page(queryset, *, order, cursor, size):
    """keyset_page, with the cursor's first sort value also as a plain bound the index can use."""
    decoded = decode_cursor(cursor, KINDS)
    if decoded is not None:
        direction, (moment, _) = decoded
        name = order[0][0]
        queryset = queryset.filter(
            **{f"{name}__{'lte' if direction == 'after' else 'gte'}": moment}
        )
    page = keyset_page(queryset, order=order, kinds=KINDS, cursor=cursor, size=size)
    # users.paging encodes datetimes to the millisecond; the log needs the microsecond.
    if page.next_cursor:
        page.next_cursor = _cursor("after", page.rows[-1], order)
    if page.previous_cursor:
        page.previous_cursor = _cursor("before", page.rows[0], order)
    return page


def _cursor(direction, row, order):
    values = [getattr(row, name) for name, _ in order]
    values = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    raw = json.dumps([direction, values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def learner_progress_page(filters, *, cursor=None, size=PAGE_SIZE):
    if filters is None:
        return Page(rows=[])
    rows = learner_progress(filters).select_related("learner", "content")
    return _page(rows, order=PROGRESS_ORDER, cursor=cursor, size=size)


ACTION_LABELS = dict(ContentAction.Action.choices)
STATUS_LABELS = dict(Status.choices)
SOURCE_LABELS = dict(Progress.Source.choices)

ACTION_LOG_HEADER = [
    "When (UTC)",
    "Learner e-mail",
    "Content",
    "Action",
    "Impersonated by",
    "Details",
]
PROGRESS_HEADER = [
    "Learner e-mail",
    "Content",
    "Status",
    "Percent",
    "Time spent (seconds)",
    "First activity (UTC)",
    "Last activity (UTC)",
    "Completed (UTC)",
    "Completion source",
    "Score",
]


def _details_text(details):
    if not details:
        return ""
    return "; ".join(f"{key}: {value}" for key, value in sorted(details.items()))


def learner_progress_export(filters, *, withheld=frozenset()):
    """Rows for CSV, leaving out the learners in `withheld` (ids the exporter may not export)."""
    rows = (
        learner_progress(filters)
        .exclude(learner_id__in=withheld)
        .annotate(earned_score=earned_score())
        .order_by("-last_activity_at", "-id")
        .values_list(
            "learner__email",
            "content__title",
            "status",
            "percent",
            "time_spent",
            "first_activity_at",
            "last_activity_at",
            "completed_at",
            "completion_source",
            "earned_score",
        )
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    for email, title, status, percent, spent, first, last, completed, source, score in rows:
        yield [
            email,
            title,
            STATUS_LABELS.get(status, status),
            percent,
            spent,
            first.isoformat() if first else "",
            last.isoformat() if last else "",
            completed.isoformat() if completed else "",
            SOURCE_LABELS.get(source, ""),
            "" if score is None else format(Decimal(score).normalize(), "f"),
        ]


# The content actions log: one list read from where each action is recorded


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
            rows = rows.filter(**{f"{self.when}__gte": _day_start(filters.date_from)})
        if filters.date_to:
            rows = rows.filter(**{f"{self.when}__lt": _day_start(filters.date_to + timedelta(1))})
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
            _details_text(row.details),
        ]


def record_summary(user):
    """The record header's count of completed items: [(order, label, count)], one query."""
    count = Progress.objects.filter(learner=user, status=Progress.Status.COMPLETED).count()
    return [(20, "completed", count)]
