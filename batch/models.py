from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class BulkJob(models.Model):
    """One bulk action from the learners list: what, on whom, and how far it has got."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40)
    parameters = models.JSONField(default=dict, blank=True)
    user_ids = models.JSONField(default=list, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # Of `done`: learners already as asked (already disabled, already holding the content):
    # nothing changed for them and no audit event was written.
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "users_bulkjob"  # made by the users app, before this one
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("total") - F("failed")), name="users_bulkjob_progress"
            ),
            models.CheckConstraint(
                condition=Q(unchanged__lte=F("done")), name="users_bulkjob_unchanged"
            ),
        ]

    def __str__(self):
        return f"{self.action} on {self.total} users ({self.get_status_display()})"

    @property
    def changed(self):
        return self.done - self.unchanged
