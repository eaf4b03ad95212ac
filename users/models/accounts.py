"""Accounts: the user, their sessions, invitations, impersonations and erasure requests."""

from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
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
    survey_done_at = models.DateTimeField(
        "onboarding survey done", null=True, blank=True, help_text="Answered or skipped."
    )
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
