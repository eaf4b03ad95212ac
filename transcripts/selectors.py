"""Read queries for transcripts, each a fixed number of queries whatever the history size."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.dates import MONTHS_3

from access.models import Content
from activity.models import Certificate
from engagement.models import Progress
from engagement.selectors import earned_score
from engagement.templatetags.engagement_tags import duration
from users import field_types
from users.models import ProfileField, ProfileValue
from users.paging import keyset_page

from .models import TranscriptExport, TranscriptField, TranscriptFieldValue, TranscriptSettings

BUILTIN_COLUMNS = {
    "title": "Content",
    "kind": "Kind",
    "completed_at": "Completed",
    "score": "Score",
    "time_spent": "Time spent",
    "certificate_code": "Certificate code",
    "certificate_expires": "Certificate expires",
    "credits": "Credits",
}
NUMERIC_COLUMNS = {"score", "time_spent", "credits"}
KIND_LABELS = dict(Content.Kind.choices)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class Cell:
    text: str
    datetime: str = ""  # ISO date for <time> and CSV
    numeric: bool = False

    @property
    def csv(self):
        return self.datetime or self.text


@dataclass
class Transcript:
    learner: object
    title: str
    footer: str
    columns: list
    rows: list
    # [(label, value in words)] of the learner fields Settings > Certification chose.
    learner_fields: list
    total_time: str
    total_credits: str | None
    in_progress: bool
    generated_at: object = field(default_factory=timezone.now)

    @property
    def learner_name(self):
        return self.learner.full_name or self.learner.email


def available_columns(fields):
    """Every column a transcript can show: the built-in ones, then the school's fields."""
    columns = [Column(key, label, key in NUMERIC_COLUMNS) for key, label in BUILTIN_COLUMNS.items()]
    columns += [Column(f.column_key, f.name, f.is_number) for f in fields]
    return columns


def chosen_columns(settings, fields):
    """The configured columns in order; unknown keys (a deleted field) are skipped."""
    by_key = {column.key: column for column in available_columns(fields)}
    return [by_key[key] for key in settings.columns if key in by_key]


def _number(text):
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return value if value.is_finite() else None


def _plain_number(value):
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def _date_cell(moment):
    """Cell("3 Mar 2026", "2026-03-03"): date_format(..., "j M Y"), without its per-call cost."""
    if moment is None:
        return Cell("")
    day = timezone.localtime(moment).date()
    return Cell(f"{day.day} {MONTHS_3[day.month].title()} {day.year:04d}", day.isoformat())


def _cell(column, row, values, credits_field_id):
    key = column.key
    if key == "title":
        return Cell(row.title)
    if key == "kind":
        return Cell(KIND_LABELS.get(row.kind, row.kind))
    if key == "completed_at":
        if row.completed_at is None:
            return Cell(f"In progress ({row.percent}%)")
        return _date_cell(row.completed_at)
    if key == "score":
        return Cell(_plain_number(row.best_score), numeric=True)
    if key == "time_spent":
        return Cell(duration(row.time_spent), numeric=True)
    if key == "certificate_code":
        return Cell(row.certificate_code or "")
    if key == "certificate_expires":
        if row.certificate_code is None:
            return Cell("")
        if row.certificate_expires is None:
            return Cell("Never")
        return _date_cell(row.certificate_expires)
    if key == "credits":
        return Cell(values.get(credits_field_id, ""), numeric=True)
    field_id = int(key.split(":", 1)[1])
    return Cell(values.get(field_id, ""), numeric=column.numeric)


def transcript(learner, *, in_progress=False):
    """The learner's transcript: completed content (and in-progress with the toggle).

    A fixed number of queries, the same for an empty transcript: the items with their valid
    certificate in one, the school's field values for them in another.
    """
    settings = TranscriptSettings.load()
    fields = list(TranscriptField.objects.all())
    columns = chosen_columns(settings, fields)
    statuses = [Progress.Status.COMPLETED]
    if in_progress:
        statuses.append(Progress.Status.IN_PROGRESS)
    items = Progress.objects.filter(learner=learner, status__in=statuses)
    valid = Certificate.objects.filter(
        learner=learner, content=OuterRef("content_id"), revoked_at__isnull=True
    )
    progress = list(
        items.annotate(
            title=F("content__title"),
            kind=F("content__kind"),
            certificate_code=Subquery(valid.values("verification_code")[:1]),
            certificate_expires=Subquery(valid.values("expires_at")[:1]),
            best_score=earned_score(),
        )
        .order_by(F("completed_at").desc(nulls_last=True), "-last_activity_at", "content__title")
        .values_list(
            "content_id",
            "title",
            "kind",
            "completed_at",
            "percent",
            "best_score",
            "time_spent",
            "certificate_code",
            "certificate_expires",
            named=True,
        )
    )
    values = {}
    for content_id, field_id, value in TranscriptFieldValue.objects.filter(
        content_id__in=items.values("content_id")
    ).values_list("content_id", "field_id", "value"):
        values.setdefault(content_id, {})[field_id] = value
    rows = [
        [
            _cell(column, row, values.get(row.content_id, {}), settings.credits_field_id)
            for column in columns
        ]
        for row in progress
    ]
    total_credits = None
    if settings.credits_field_id is not None:
        credits = (
            _number(values.get(row.content_id, {}).get(settings.credits_field_id))
            for row in progress
        )
        total_credits = _plain_number(sum((c for c in credits if c is not None), Decimal(0)))
    return Transcript(
        learner=learner,
        title=settings.title,
        footer=settings.footer,
        columns=columns,
        rows=rows,
        learner_fields=learner_fields(learner, settings.learner_fields),
        total_time=duration(sum(row.time_spent for row in progress)),
        total_credits=total_credits,
        in_progress=in_progress,
    )


def learner_fields(learner, keys):
    """[(label, value in words)] of the learner fields with these keys, in the order of
    Settings > Learner fields; a retired or deleted field drops out. Two queries, none when
    no field is chosen."""
    if not keys:
        return []
    fields = list(ProfileField.objects.filter(key__in=keys, retired_at__isnull=True))
    values = dict(
        ProfileValue.objects.filter(user=learner, field_id__in=[f.pk for f in fields]).values_list(
            "field_id", "value"
        )
    )
    return [(f.label, field_types.shown(f, values.get(f.pk, ""))) for f in fields]


def latest_export(learner):
    return TranscriptExport.objects.filter(learner=learner).first()


def settings_page():
    """Settings > Certification: the settings row, the fields, every column available."""
    settings = TranscriptSettings.load()
    fields = list(TranscriptField.objects.all())
    columns = available_columns(fields)
    shown = [key for key in settings.columns if any(c.key == key for c in columns)]
    columns.sort(key=lambda c: shown.index(c.key) if c.key in shown else len(shown))
    return {
        "settings": settings,
        "fields": fields,
        "columns": columns,
        "learner_fields": list(ProfileField.objects.filter(retired_at__isnull=True)),
    }


CONTENT_ORDER = [("title", False), ("id", False)]


def field_values_page(field, *, cursor=None, size=50):
    """A page of content with this field's value for each (empty when not set)."""
    page = keyset_page(
        Content.objects.all(), order=CONTENT_ORDER, kinds=["str", "int"], cursor=cursor, size=size
    )
    values = dict(
        TranscriptFieldValue.objects.filter(
            field=field, content_id__in=[c.pk for c in page.rows]
        ).values_list("content_id", "value")
    )
    page.extra["values"] = values
    return page
