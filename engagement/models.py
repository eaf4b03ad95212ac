"""What learners do with content (an append-only log) and where each of them stands."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from access.models import Content


class ContentActionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The content actions log is append-only.")

    def delete(self):
        raise TypeError("The content actions log is append-only.")


class ContentAction(models.Model):
    """One thing a learner did (or had done for them) with one content item."""

    class Action(models.TextChoices):
        VIEWED = "viewed", "Viewed"
        STARTED = "started", "Started"
        PROGRESSED = "progressed", "Progressed"
        COMPLETED = "completed", "Completed"
        DOWNLOADED = "downloaded", "Downloaded"
        ASSESSMENT_SUBMITTED = "assessment_submitted", "Assessment submitted"
        # Recorded by activity (Certificate) and access (audit log); the log reads them there.
        CERTIFICATE_GRANTED = "certificate_granted", "Certificate granted"
        ARCHIVED = "archived", "Archived"
        REINSTATED = "reinstated", "Reinstated"
        RESET = "reset", "Progress reset"
        MANUAL_COMPLETION = "manual_completion", "Marked complete by staff"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="content_actions"
    )
    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=32, choices=Action.choices)
    occurred_at = models.DateTimeField(default=timezone.now)
    details = models.JSONField(default=dict, blank=True)
    real_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The admin who did this while impersonating the learner.",
    )

    objects = ContentActionQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["learner", "-occurred_at", "-id"], name="engagement_action_learner"
            ),
            models.Index(fields=["content", "occurred_at", "id"], name="engagement_action_content"),
            models.Index(fields=["-occurred_at", "-id"], name="engagement_action_recent"),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.learner_id} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The content actions log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The content actions log is append-only.")

    @property
    def impersonated(self):
        return self.real_actor_id is not None


class Progress(models.Model):
    """Where one learner stands in one content item."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    class Source(models.TextChoices):
        AUTO = "auto", "By the learner"
        MANUAL = "manual", "Marked by staff"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress_records"
    )
    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="progress_records")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    percent = models.PositiveSmallIntegerField(default=0)
    time_spent = models.PositiveIntegerField("time spent (seconds)", default=0)
    first_activity_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    completion_source = models.CharField(max_length=10, choices=Source.choices, blank=True)

    class Meta:
        verbose_name_plural = "progress"
        permissions = [
            ("reset_progress", "Can reset a learner's progress"),
            ("complete_manually", "Can mark content complete for a learner"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["learner", "content"], name="engagement_progress_once"),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="engagement_progress_percent"
            ),
            models.CheckConstraint(
                condition=Q(status="completed", completed_at__isnull=False)
                | (~Q(status="completed") & Q(completed_at__isnull=True)),
                name="engagement_progress_completed_when",
            ),
        ]
        indexes = [
            models.Index(fields=["-last_activity_at", "-id"], name="engagement_progress_recent"),
            models.Index(
                fields=["content", "-last_activity_at"], name="engagement_progress_content"
            ),
        ]

    def __str__(self):
        return f"{self.learner_id} · {self.content_id}: {self.status}"
