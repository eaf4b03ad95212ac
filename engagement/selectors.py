"""Read queries for the Engagement tab and the two reports, each a fixed number of queries."""

import base64
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
from activity.selectors import best_passed_score
from users.models import User
from users.paging import Page, decode_cursor, keyset_page

from .models import ContentAction, Progress

PAGE_SIZE = 50
RECENT_ACTIONS = 20
CHART_DAYS = 90
EXPORT_CHUNK = 2000

CONTENT_ORDER = [("title", False), ("id", False)]
CONTENT_KINDS = ["str", "int"]
LOG_ORDER = [("occurred_at", True), ("id", True)]
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
    return list(
        ContentAction.objects.filter(learner=learner)
        .select_related("content", "real_actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


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


def action_log(filters):
    """The content actions log filtered, newest first (not yet evaluated)."""
    actions = _filtered(ContentAction.objects.all(), filters, when="occurred_at")
    if filters.action:
        actions = actions.filter(action=filters.action)
    if filters.impersonated == "exclude":
        actions = actions.filter(real_actor__isnull=True)
    elif filters.impersonated == "only":
        actions = actions.filter(real_actor__isnull=False)
    return actions


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


def action_log_page(filters, *, cursor=None, size=PAGE_SIZE):
    if filters is None:
        return Page(rows=[])
    actions = action_log(filters).select_related("learner", "content", "real_actor")
    return _page(actions, order=LOG_ORDER, cursor=cursor, size=size)


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


def action_log_export(filters):
    """Rows of the filtered log for CSV, read from a server-side cursor in chunks."""
    rows = (
        action_log(filters)
        .order_by("-occurred_at", "-id")
        .values_list(
            "occurred_at",
            "learner__email",
            "content__title",
            "action",
            "real_actor__email",
            "details",
        )
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    for occurred_at, email, title, action, real_actor, details in rows:
        yield [
            occurred_at.isoformat(),
            email,
            title,
            ACTION_LABELS.get(action, action),
            real_actor or "",
            _details_text(details),
        ]


def _details_text(details):
    if not details:
        return ""
    return "; ".join(f"{key}: {value}" for key, value in sorted(details.items()))


def learner_progress_export(filters):
    rows = (
        learner_progress(filters)
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
