"""The Learner Progress report: its filters, pages and CSV (a fixed number of queries)."""

import base64
import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models.functions import Lower
from django.utils import timezone

from users.models import User
from users.paging import Page, decode_cursor, keyset_page

from .models import ContentAction, Progress
from .selectors import EXPORT_CHUNK, KINDS, PAGE_SIZE, PROGRESS_ORDER, earned_score

Status = Progress.Status


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


def day_start(day):
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
        queryset = queryset.filter(**{f"{when}__gte": day_start(filters.date_from)})
    if filters.date_to:
        queryset = queryset.filter(**{f"{when}__lt": day_start(filters.date_to + timedelta(1))})
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


def details_text(details):
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
