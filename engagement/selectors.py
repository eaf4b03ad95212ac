"""Read queries for the Engagement tab (the reports: reports.py, action_log.py), each a fixed
number of queries."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

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
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from access.models import Content, LearningPath, LearningPathItem
from access.selectors import open_grants
from activity.selectors import best_passed_score
from users.paging import keyset_page

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


def record_summary(user):
    """The record header's count of completed items: [(order, label, count)], one query."""
    count = Progress.objects.filter(learner=user, status=Progress.Status.COMPLETED).count()
    return [(20, "completed", count)]
