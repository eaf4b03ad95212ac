from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from phonenumber_field.modelfields import PhoneNumberField

# Sorting by last sign-in puts "never" at the far end through this stand-in date.
NEVER_SIGNED_IN = datetime(1970, 1, 1, tzinfo=UTC)


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """E-mail addresses are compared and stored lower-case."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, username):
        return self.get(
            email__iexact=self.normalize_email(username), learner_record_of__isnull=True
        )

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: learners, customer service and admins (roles are groups)."""

    email = models.EmailField("e-mail", max_length=254)
    first_name = models.CharField("first name", max_length=150, blank=True)
    last_name = models.CharField("last name", max_length=150, blank=True)
    phone = PhoneNumberField("phone", blank=True)
    street = models.CharField("street", max_length=255, blank=True)
    city = models.CharField("city", max_length=120, blank=True)
    region = models.CharField("region", max_length=120, blank=True)
    postal_code = models.CharField("postal code", max_length=20, blank=True)
    country = models.CharField("country", max_length=80, blank=True)
    is_active = models.BooleanField(
        "active", default=True, help_text="Disabled users cannot sign in."
    )
    is_staff = models.BooleanField(
        "Django admin access", default=False, help_text="Only superusers use Django's admin."
    )
    date_joined = models.DateTimeField("date joined", default=timezone.now)
    invited_at = models.DateTimeField("last invited", null=True, blank=True)
    invite_accepted_at = models.DateTimeField("invite accepted", null=True, blank=True)
    # Bumped by every service that edits the record: a stale form is refused.
    version = models.PositiveIntegerField(default=1)
    # Dual Role: a manager's own learner record shares their e-mail and points back here.
    learner_record_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="learner_record",
        help_text="Dual Role: the manager whose learner record this is.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        permissions = [
            ("manage_users", "Can manage users"),
            ("impersonate_users", "Can impersonate learners"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(learner_record_of__isnull=True),
                name="users_user_email_ci_unique",
            ),
        ]
        # The display orders and search keys are indexed in migration 0014 (per database:
        # on PostgreSQL they use the search_key column and users_fold, unknown to Django).

    def __str__(self):
        return self.full_name or self.email

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self):
        super().clean()
        self.email = UserManager.normalize_email(self.email)
        clash = User.objects.filter(
            email__iexact=self.email, learner_record_of__isnull=True
        ).exclude(pk=self.pk)
        if self.email and clash.exists():
            raise ValidationError({"email": "Another user already has this e-mail address."})


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


class UserSession(AbstractBaseSession):
    """Django's database session, plus the user it belongs to so we can end them all at once."""

    user_id = models.BigIntegerField(null=True, db_index=True)

    @classmethod
    def get_session_store_class(cls):
        return UserSessionStore


class UserSessionStore(DBStore):
    """The session engine's store (SESSION_ENGINE users.sessions): UserSession rows."""

    @classmethod
    def get_model_class(cls):
        return UserSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            instance.user_id = None
        return instance


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


class Invitation(models.Model):
    """An e-mail inviting someone to set a password; one row per send, keyed per click."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    request_key = models.CharField(
        max_length=64, unique=True, help_text="One per click: a double submit sends once."
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    email = models.ForeignKey(
        "OutboundEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Invitation for {self.user} at {self.created_at:%Y-%m-%d %H:%M}"


class ImpersonationSession(models.Model):
    """An admin signed in as a learner: who, whom, why, and how it ended."""

    class EndedBy(models.TextChoices):
        BUTTON = "button", "Stop button"
        TIMEOUT = "timeout", "Time limit"
        SIGN_OUT = "sign_out", "Sign-out"

    admin = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    learner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="impersonations")
    reason = models.CharField(max_length=200)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=20, choices=EndedBy.choices, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.admin} as {self.learner} at {self.started_at:%Y-%m-%d %H:%M}"


class ErasureRequest(models.Model):
    """A request to erase a learner: performed by the daily job once due, unless cancelled."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="erasure_requests")
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=500)
    due_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        permissions = [("erase_user", "Can erase a learner's personal data")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(cancelled_at__isnull=True, completed_at__isnull=True),
                name="users_one_open_erasure_request",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | Q(completed_at__isnull=True),
                name="users_erasure_cancelled_or_completed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(cancelled_at__isnull=True, completed_at__isnull=True),
                name="users_erasure_due_idx",
            ),
        ]

    def __str__(self):
        return f"Erasure of {self.user_id} due {self.due_at:%Y-%m-%d}"

    @property
    def is_open(self):
        return self.cancelled_at is None and self.completed_at is None


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
