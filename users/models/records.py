"""What the school keeps about its users: the audit log, school settings, school-defined
fields and the e-mail outbox."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Left
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

    # {change name: (label, words)} for the school's learner fields, set by the selector that
    # loads the page with the fields (users/selectors.py: named_fields), so "reference:<key>"
    # reads as its label and its values through `words` (a stored text -> words) without a
    # query per row.
    learner_fields = None

    @property
    def change_rows(self):
        """[(field, before, after, changed)] in words for the History table: times in the
        site's zone to the minute, yes/no, lists joined; a learner field by its label with its
        values in words (a field since deleted by its key); a value recorded on both sides
        (a secret reads "changed", a new record's empty field) is shown once."""
        rows = []
        named = self.learner_fields or {}
        for field, values in (self.changes or {}).items():
            pair = isinstance(values, list) and len(values) == 2
            before, after = values if pair else (None, values)
            label, words = named.get(field, (None, None))
            if label is None:
                label = _field_name(field)
            rows.append((label, _in_words(before, words), _in_words(after, words), before != after))
        return rows


LEARNER_FIELD_PREFIXES = ("reference:", "input:", "survey:")


def _field_name(field):
    """A change's name in words; a learner field not loaded (since deleted) by its key."""
    if field.startswith(LEARNER_FIELD_PREFIXES):
        return field.partition(":")[2]
    return field.replace("_", " ")


def _in_words(value, words=None):
    if value is None or value == "":
        return "—"
    if words is not None and isinstance(value, str):
        return words(value) or "—"
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
    """A school-defined field on learner records: reference field, custom input or survey.

    Values are stored as text in one canonical form per type (users/field_types.py), so a
    list filter on one field's value is one index probe at any size.
    """

    class Kind(models.TextChoices):
        REFERENCE = "reference", "Learner reference field"
        CUSTOM_INPUT = "custom_input", "Custom sign-up input"
        SURVEY = "survey", "Onboarding survey question"

    class Type(models.TextChoices):
        SHORT_TEXT = "short_text", "Short text"
        LONG_TEXT = "long_text", "Long text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        YES_NO = "yes_no", "Yes/no"
        CHOICE = "choice", "One choice"
        CHOICES = "choices", "Several choices"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.SlugField(
        max_length=60,
        unique=True,
        help_text="The CSV column and API name; it cannot change once the field exists.",
    )
    label = models.CharField(max_length=120)
    field_type = models.CharField(
        "type", max_length=20, choices=Type.choices, default=Type.SHORT_TEXT
    )
    required = models.BooleanField(default=False)
    help_text = models.CharField(max_length=300, blank=True)
    learner_visible = models.BooleanField(
        "learners may see it",
        default=False,
        help_text="Reference fields only: the learner sees it on My profile (read-only).",
    )
    # [{"key": "4100", "label": "Finance", "retired": false}]: a retired choice is no longer
    # offered, and past answers with it still read as its label.
    choices = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "position", "id"]

    def __str__(self):
        return self.label

    @property
    def is_retired(self):
        return self.retired_at is not None


class ProfileValue(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="profile_values")
    # No index of its own: users_profile_value_lookup leads with field_id (it serves the
    # foreign key too), and a second index on field_id alone, equally cheap to the planner
    # without fresh statistics, was chosen for the list filter and read every row of a field.
    field = models.ForeignKey(
        ProfileField, on_delete=models.CASCADE, related_name="values", db_index=False
    )
    value = models.TextField(blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "field"], name="users_profile_value_unique")
        ]
        indexes = [
            # The list filter "Cost centre = 4100": learners by one field's value.
            models.Index(models.F("field"), Left("value", 100), name="users_profile_value_lookup")
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
