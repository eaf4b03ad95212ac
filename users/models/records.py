"""What the school keeps about its users: the audit log, school settings, school-defined
fields and the e-mail outbox."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .accounts import User


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only.")


class AuditEvent(models.Model):
    """One change to a user record: who, on whose record, what (old -> new), when."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    real_actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The admin behind an impersonated session.",
    )
    real_actor_label = models.CharField(max_length=254, blank=True)
    subject = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    action = models.CharField(max_length=64)
    changes = models.JSONField(default=dict, blank=True)
    subject_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The record's version after this change."
    )
    note = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "-created_at", "-id"], name="audit_subject_recent_idx"),
            models.Index(fields=["action", "-created_at"], name="audit_action_recent_idx"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only.")

    @property
    def action_label(self):
        """The action in words: "payments.subscription_started" reads "Payments: subscription
        started"."""
        area, _, what = self.action.partition(".")
        if not what:
            return self.action.replace("_", " ").capitalize()
        return f"{area.replace('_', ' ').capitalize()}: {what.replace('_', ' ')}"

    @property
    def change_rows(self):
        """[(field, before, after, changed)] in words for the History table: times in the
        site's zone to the minute, yes/no, lists joined; a value recorded on both sides
        (a secret reads "changed", a new record's empty field) is shown once."""
        rows = []
        for field, values in (self.changes or {}).items():
            pair = isinstance(values, list) and len(values) == 2
            before, after = values if pair else (None, values)
            rows.append(
                (field.replace("_", " "), _in_words(before), _in_words(after), before != after)
            )
        return rows


def _in_words(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_in_words(item) for item in value) or "—"
    if isinstance(value, str) and len(value) > 16 and value[10:11] in ("T", " "):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return moment.strftime("%Y-%m-%d %H:%M")
    return str(value)


class SchoolSettingsBase(models.Model):
    """One row of school-wide switches; each app subclasses it for its own section."""

    singleton_id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.singleton_id = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        instance, _ = cls.objects.get_or_create(singleton_id=1)
        return instance


class UserSettings(SchoolSettingsBase):
    """School-wide switches of the users app (Settings > Users)."""

    dual_role = models.BooleanField(
        "Dual Role",
        default=False,
        help_text="One e-mail may hold both a manager record and a learner record.",
    )
    notify_impersonation = models.BooleanField(
        "Tell learners when support signs in as them", default=True
    )
    impersonation_minutes = models.PositiveSmallIntegerField(
        "Impersonation time limit (minutes)", default=30
    )

    class Meta:
        verbose_name = "user settings"
        verbose_name_plural = "user settings"

    def __str__(self):
        return "User settings"


class ProfileField(models.Model):
    """A school-defined field on learner records: reference field, custom input or survey."""

    class Kind(models.TextChoices):
        REFERENCE = "reference", "Learner reference field"
        CUSTOM_INPUT = "custom_input", "Custom sign-up input"
        SURVEY = "survey", "Onboarding survey question"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position", "id"]

    def __str__(self):
        return self.label


class ProfileValue(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="profile_values")
    field = models.ForeignKey(ProfileField, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "field"], name="users_profile_value_unique")
        ]

    def __str__(self):
        return f"{self.field}: {self.value}"


class OutboundEmail(models.Model):
    """The transactional outbox: an e-mail written in the same transaction as its change.

    A worker sends it after commit; a sweeper re-enqueues what a broker outage or a killed
    worker left behind. The unique key makes each message at most one row, sent once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField(help_text="Cleared once sent: links in it may carry tokens.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="users_outbox_due_idx",
            ),
            models.Index(fields=["user", "-created_at", "-id"], name="users_outbox_user_idx"),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to} ({self.status})"
