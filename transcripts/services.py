"""Every change in transcripts: check the rule, one transaction, one audit event."""

import logging
from decimal import Decimal, InvalidOperation

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from users import audit
from users.models import ProfileField
from users.races import create_unless_taken
from users.rules import require_can_export

from . import selectors
from .models import (
    RENDER_SOFT_TIME_LIMIT,
    RENDER_TIME_LIMIT,
    STALE_QUEUED_AFTER,
    STALE_RENDERING_AFTER,
    TranscriptExport,
    TranscriptField,
    TranscriptFieldValue,
    TranscriptSettings,
    export_file_name,
)
from .pdf import transcript_pdf

logger = logging.getLogger(__name__)

MAX_NUMBER = Decimal("1000000")
MAX_DECIMALS = 10


def _require_perm(actor, permission, message="Your role does not allow changing these settings."):
    if actor is not None and not (actor.is_superuser or actor.has_perm(permission)):
        raise PermissionDenied(message)


def transcript_settings_update(
    *, actor, title, footer, columns, credits_field, learner_fields=None
):
    """Save Settings > Certification: the columns and their order, title, footer, credits,
    and the learner fields (keys; None keeps them) shown under the learner's name.

    Returns {field: [old, new]} of what changed; empty (and no audit event) when nothing did.
    """
    _require_perm(actor, "transcripts.change_transcriptsettings")
    with transaction.atomic():
        TranscriptSettings.load()
        current = TranscriptSettings.objects.select_for_update().get(singleton_id=1)
        chosen, old_fields, new_fields = _learner_fields(current.learner_fields, learner_fields)
        old = {
            "title": current.title,
            "footer": current.footer,
            "columns": list(current.columns),
            "credits_field": current.credits_field.name if current.credits_field else None,
            "learner_fields": old_fields,
        }
        new = {
            "title": title,
            "footer": footer,
            "columns": list(columns),
            "credits_field": credits_field.name if credits_field else None,
            "learner_fields": new_fields,
        }
        changes = audit.changes_between(old, new)
        if not changes:
            return changes
        current.title, current.footer, current.columns = title, footer, list(columns)
        current.credits_field = credits_field
        current.learner_fields = chosen
        current.save(
            update_fields=["title", "footer", "columns", "credits_field", "learner_fields"]
        )
        audit.record(
            actor=actor, subject=None, action="transcripts.settings_changed", changes=changes
        )
    return changes


def _learner_fields(stored, wanted):
    """(keys to store, labels shown before, labels shown after) of the transcript's learner
    fields: the active ones wanted, in Settings > Learner fields order, and the retired ones
    already chosen (hidden, back when restored). Unknown keys are refused."""
    fields = list(ProfileField.objects.filter(key__in=[*stored, *(wanted or ())]))
    active = [f for f in fields if not f.is_retired]
    wanted = stored if wanted is None else wanted
    known = {f.key for f in active}
    unknown = [key for key in wanted if key not in known and key not in stored]
    if unknown:
        raise ValidationError({"learner_fields": f"No learner field has the key {unknown[0]}."})
    before = [f.label for f in active if f.key in stored]
    after = [f for f in active if f.key in wanted]
    kept = [f.key for f in fields if f.is_retired and f.key in stored]
    return [*(f.key for f in after), *kept], before, [f.label for f in after]


def transcript_field_create(*, actor, name, kind, show=True):
    """A new school-defined transcript field, added to the end of the transcript's columns."""
    _require_perm(actor, "transcripts.add_transcriptfield")
    name = " ".join(name.split())
    with transaction.atomic():
        if TranscriptField.objects.filter(name__iexact=name).exists():
            raise ValidationError({"name": "A transcript field with this name already exists."})
        field = create_unless_taken(TranscriptField, name=name, kind=kind)
        if field is None:
            raise ValidationError({"name": "A transcript field with this name already exists."})
        if show:
            TranscriptSettings.load()
            current = TranscriptSettings.objects.select_for_update().get(singleton_id=1)
            current.columns = [*current.columns, field.column_key]
            current.save(update_fields=["columns"])
        audit.record(
            actor=actor,
            subject=None,
            action="transcripts.field_created",
            changes={"name": [None, name], "kind": [None, kind]},
        )
    return field


def clean_field_value(field, text):
    """A value as stored: trimmed; a number field takes only a plain, finite number."""
    text = (text or "").strip()
    if not text or not field.is_number:
        return text
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError("Enter a number, such as 1.5.") from None
    if not number.is_finite() or abs(number) >= MAX_NUMBER:
        raise ValidationError("Enter a number below one million.")
    if number < 0:
        raise ValidationError("Enter zero or more.")
    number = number.normalize()
    if number.as_tuple().exponent < -MAX_DECIMALS:
        raise ValidationError(f"Use at most {MAX_DECIMALS} decimal places.")
    return format(number, "f")


def transcript_field_values_set(*, actor, field, values):
    """Set this field's value for several content items ({content: text}; empty clears)."""
    _require_perm(actor, "transcripts.change_transcriptfieldvalue")
    errors = {}
    cleaned = {}
    for content, text in values.items():
        try:
            cleaned[content] = clean_field_value(field, text)
        except ValidationError as error:
            errors[content.pk] = error.messages
    if errors:
        raise ValidationError(errors)
    changes = {}
    with transaction.atomic():
        existing = {
            v.content_id: v
            for v in TranscriptFieldValue.objects.select_for_update().filter(
                field=field, content__in=list(cleaned)
            )
        }
        for content, text in cleaned.items():
            row = existing.get(content.pk)
            old = row.value if row else ""
            if old == text:
                continue
            if not text:
                row.delete()
            elif row is None:
                TranscriptFieldValue.objects.create(field=field, content=content, value=text)
            else:
                row.value = text
                row.save(update_fields=["value"])
            changes[f"{field.name}: {content.title}"] = [old or None, text or None]
        if changes:
            audit.record(
                actor=actor,
                subject=None,
                action="transcripts.field_values_changed",
                changes=changes,
            )
    return changes


def _require_may_export(actor, learner):
    if actor is None or actor.pk == learner.pk:
        return
    require_can_export(actor=actor, subject=learner, permission="transcripts.add_transcriptexport")


def export_request(*, learner, actor, include_in_progress=False):
    """Queue a PDF of the learner's transcript; while one is queued or rendering, return it."""
    _require_may_export(actor, learner)
    now = timezone.now()
    with transaction.atomic():
        running = (
            TranscriptExport.objects.select_for_update()
            .filter(
                learner=learner,
                include_in_progress=include_in_progress,
                status__in=TranscriptExport.RUNNING,
            )
            .first()
        )
        if running is not None:
            if not running.is_stale(now):
                return running, False
            running.status = TranscriptExport.Status.FAILED
            running.error = "The render was interrupted."
            running.finished_at = now
            running.save(update_fields=["status", "error", "finished_at"])
        export = create_unless_taken(
            TranscriptExport,
            learner=learner,
            requested_by=actor,
            include_in_progress=include_in_progress,
            created_at=now,
        )
        if export is None:
            # Someone else's identical request committed first: theirs is the running one.
            winner = TranscriptExport.objects.filter(
                learner=learner, include_in_progress=include_in_progress
            ).first()
            return winner, False
        audit.record(
            actor=actor,
            subject=learner,
            action="transcripts.pdf_requested",
            changes={"transcript_export": [None, export.pk]},
            note="with in-progress content" if include_in_progress else "",
        )
        transaction.on_commit(lambda: _enqueue(export.pk))
    return export, True


def _enqueue(export_id):
    render_transcript_pdf.delay(export_id)


@shared_task(
    name="transcripts.tasks.render_transcript_pdf",
    time_limit=RENDER_TIME_LIMIT,
    soft_time_limit=RENDER_SOFT_TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=True,
)
def render_transcript_pdf(export_id):
    """Render one queued transcript export (a no-op if it is already done or being done)."""
    export_render(export_id=export_id)


def export_render(*, export_id):
    """Render a queued export to PDF; finished or live renders are left alone (idempotent)."""
    now = timezone.now()
    claimable = Q(status=TranscriptExport.Status.QUEUED, created_at__gte=now - STALE_QUEUED_AFTER)
    claimable |= Q(
        status=TranscriptExport.Status.RENDERING, started_at__lt=now - STALE_RENDERING_AFTER
    )
    claimed = TranscriptExport.objects.filter(claimable, pk=export_id).update(
        status=TranscriptExport.Status.RENDERING,
        started_at=now,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return TranscriptExport.objects.filter(pk=export_id).first()
    export = TranscriptExport.objects.select_related("learner").get(pk=export_id)
    mine = TranscriptExport.objects.filter(
        pk=export_id, status=TranscriptExport.Status.RENDERING, started_at=now
    )
    try:
        data = selectors.transcript(export.learner, in_progress=export.include_in_progress)
        name = default_storage.save(
            export_file_name(export, "transcript.pdf"), ContentFile(transcript_pdf(data))
        )
    except SoftTimeLimitExceeded:
        mine.update(
            status=TranscriptExport.Status.FAILED,
            error="The PDF took too long to make.",
            finished_at=timezone.now(),
        )
    except Exception as error:
        logger.exception("Transcript export %s failed", export_id)
        mine.update(
            status=TranscriptExport.Status.FAILED,
            error=f"The PDF could not be made ({type(error).__name__}).",
            finished_at=timezone.now(),
        )
    else:
        done = mine.update(
            status=TranscriptExport.Status.READY, file=name, error="", finished_at=timezone.now()
        )
        if not done:
            default_storage.delete(name)
    export.refresh_from_db()
    return export
