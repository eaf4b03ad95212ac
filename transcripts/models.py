"""Transcript settings (Settings > Certification), school-defined transcript fields, PDF exports."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from access.models import Content
from users.models import SchoolSettingsBase

RENDER_SOFT_TIME_LIMIT = 60
RENDER_TIME_LIMIT = 90
# A render still "rendering" after this long was killed: it counts as failed and can be retried.
STALE_RENDERING_AFTER = timedelta(seconds=RENDER_TIME_LIMIT + 30)
# A queued export whose message was lost (broker flushed) also becomes retryable.
STALE_QUEUED_AFTER = timedelta(minutes=30)

DEFAULT_COLUMNS = ["title", "kind", "completed_at", "score", "time_spent", "certificate_code"]


class TranscriptField(models.Model):
    """A school-defined transcript column with a value per content item, e.g. CEU credits."""

    class Kind(models.TextChoices):
        NUMBER = "number", "Number"
        TEXT = "text", "Text"

    name = models.CharField(max_length=60, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def column_key(self):
        return f"field:{self.pk}"

    @property
    def is_number(self):
        return self.kind == self.Kind.NUMBER


class TranscriptFieldValue(models.Model):
    field = models.ForeignKey(TranscriptField, on_delete=models.CASCADE, related_name="values")
    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="transcript_values")
    value = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["field", "content"], name="transcripts_one_value_per_content"
            )
        ]
        indexes = [models.Index(fields=["content", "field"], name="transcripts_value_content")]

    def __str__(self):
        return f"{self.field}: {self.value}"


class TranscriptSettings(SchoolSettingsBase):
    """Settings > Certification: the transcript's columns (in order), title and footer."""

    title = models.CharField("transcript title", max_length=120, default="Transcript")
    footer = models.CharField(
        "footer line",
        max_length=300,
        blank=True,
        help_text="Printed under the transcript, e.g. an accreditation statement.",
    )
    columns = models.JSONField(default=list, blank=True, help_text="Column keys, in order.")
    credits_field = models.ForeignKey(
        TranscriptField,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"kind": TranscriptField.Kind.NUMBER},
        help_text="The number field the Credits column and the credits total come from.",
    )
    # Keys of learner fields (users.ProfileField) shown under the learner's name; a retired
    # field's key is kept (it shows again when restored), a deleted one's drops out.
    learner_fields = models.JSONField(
        default=list, blank=True, help_text="Learner field keys shown on the transcript."
    )

    class Meta:
        verbose_name = "transcript settings"
        verbose_name_plural = "transcript settings"

    def __str__(self):
        return "Transcript settings"

    @classmethod
    def load(cls):
        instance, _ = cls.objects.get_or_create(
            singleton_id=1, defaults={"columns": list(DEFAULT_COLUMNS)}
        )
        return instance


def export_file_name(instance, filename):
    """A name nobody can guess: the file is only ever served through a checked view."""
    return f"transcripts/{secrets.token_urlsafe(32)}.pdf"


class TranscriptExport(models.Model):
    """One PDF export of a learner's transcript, rendered by a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    RUNNING = (Status.QUEUED, Status.RENDERING)

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transcript_exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    include_in_progress = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to=export_file_name, blank=True, max_length=200)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same request twice while one is queued or rendering gets the running one.
            models.UniqueConstraint(
                fields=["learner", "include_in_progress"],
                condition=Q(status__in=["queued", "rendering"]),
                name="transcripts_one_running_export",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | ~Q(file=""), name="transcripts_ready_has_file"
            ),
        ]
        indexes = [
            models.Index(fields=["learner", "-created_at", "-id"], name="transcripts_export_recent")
        ]

    def __str__(self):
        return f"Transcript of {self.learner_id} ({self.status})"

    def is_stale(self, now=None):
        """Killed mid-render or lost in the queue: shown as failed, retryable."""
        now = now or timezone.now()
        if self.status == self.Status.RENDERING:
            return self.started_at is None or self.started_at < now - STALE_RENDERING_AFTER
        if self.status == self.Status.QUEUED:
            return self.created_at < now - STALE_QUEUED_AFTER
        return False

    @property
    def shown_status(self):
        """What the page shows: a stale running export reads as failed."""
        return self.Status.FAILED if self.is_stale() else self.status

    @property
    def is_running(self):
        return self.shown_status in self.RUNNING
