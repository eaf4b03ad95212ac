"""Read queries for transcripts, each a fixed number of queries whatever the history size."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from access.models import Content
from activity.models import Certificate
from engagement.models import Progress
from engagement.templatetags.engagement_tags import duration
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
    reference_fields: list
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
    if moment is None:
        return Cell("")
    local = timezone.localtime(moment)
    return Cell(date_format(local, "j M Y"), local.date().isoformat())


def _cell(column, progress, certificate, values, credits_field_id):
    key = column.key
    if key == "title":
        return Cell(progress.content.title)
    if key == "kind":
        return Cell(progress.content.get_kind_display())
    if key == "completed_at":
        if progress.completed_at is None:
            return Cell(f"In progress ({progress.percent}%)")
        return _date_cell(progress.completed_at)
    if key == "score":
        return Cell(_plain_number(progress.score), numeric=True)
    if key == "time_spent":
        return Cell(duration(progress.time_spent), numeric=True)
    if key == "certificate_code":
        return Cell(certificate.verification_code if certificate else "")
    if key == "certificate_expires":
        if certificate is None:
            return Cell("")
        if certificate.expires_at is None:
            return Cell("Never")
        return _date_cell(certificate.expires_at)
    if key == "credits":
        return Cell(values.get(credits_field_id, ""), numeric=True)
    field_id = int(key.split(":", 1)[1])
    return Cell(values.get(field_id, ""), numeric=column.numeric)


def transcript(learner, *, in_progress=False):
    """The learner's transcript: completed content (and in-progress with the toggle)."""
    settings = TranscriptSettings.load()
    fields = list(TranscriptField.objects.all())
    columns = chosen_columns(settings, fields)
    statuses = [Progress.Status.COMPLETED]
    if in_progress:
        statuses.append(Progress.Status.IN_PROGRESS)
    progress = list(
        Progress.objects.filter(learner=learner, status__in=statuses)
        .select_related("content")
        .order_by(F("completed_at").desc(nulls_last=True), "-last_activity_at", "content__title")
    )
    content_ids = [p.content_id for p in progress]
    certificates = {
        c.content_id: c
        for c in Certificate.objects.filter(
            learner=learner, revoked_at__isnull=True, content_id__in=content_ids
        )
    }
    values = {}
    for value in TranscriptFieldValue.objects.filter(content_id__in=content_ids):
        values.setdefault(value.content_id, {})[value.field_id] = value.value
    rows = [
        [
            _cell(
                column,
                p,
                certificates.get(p.content_id),
                values.get(p.content_id, {}),
                settings.credits_field_id,
            )
            for column in columns
        ]
        for p in progress
    ]
    total_credits = None
    if settings.credits_field_id is not None:
        credits = (
            _number(values.get(p.content_id, {}).get(settings.credits_field_id)) for p in progress
        )
        total_credits = _plain_number(sum((c for c in credits if c is not None), Decimal(0)))
    return Transcript(
        learner=learner,
        title=settings.title,
        footer=settings.footer,
        columns=columns,
        rows=rows,
        reference_fields=reference_fields(learner),
        total_time=duration(sum(p.time_spent for p in progress)),
        total_credits=total_credits,
        in_progress=in_progress,
    )


def reference_fields(learner):
    """[(label, value)] of the school's learner reference fields, for the header."""
    fields = ProfileField.objects.filter(kind=ProfileField.Kind.REFERENCE)
    values = dict(
        ProfileValue.objects.filter(
            user=learner, field__kind=ProfileField.Kind.REFERENCE
        ).values_list("field_id", "value")
    )
    return [(f.label, values.get(f.pk, "")) for f in fields]


def latest_export(learner):
    return TranscriptExport.objects.filter(learner=learner).first()


def settings_page():
    """Settings > Certification: the settings row, the fields, every column available."""
    settings = TranscriptSettings.load()
    fields = list(TranscriptField.objects.all())
    columns = available_columns(fields)
    shown = [key for key in settings.columns if any(c.key == key for c in columns)]
    columns.sort(key=lambda c: shown.index(c.key) if c.key in shown else len(shown))
    return {"settings": settings, "fields": fields, "columns": columns}


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
