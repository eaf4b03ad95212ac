"""Assessments and attempts, certificates, awards, and the gamification switch."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from access.models import Content
from users.models import SchoolSettingsBase

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_AWARD_QUANTITY = 1000


def new_verification_code():
    """Twelve unambiguous characters in three groups (60 random bits): ABCD-EFGH-JKLM."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class Assessment(models.Model):
    """A graded test inside a content item, with an attempt limit and a passing score."""

    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="assessments")
    title = models.CharField(max_length=200)
    max_attempts = models.PositiveSmallIntegerField(
        "maximum attempts", null=True, blank=True, help_text="Empty: unlimited."
    )
    passing_score = models.PositiveSmallIntegerField("passing score (%)", default=70)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_attempts__isnull=True) | Q(max_attempts__gt=0),
                name="activity_assessment_max_attempts_positive",
            ),
            models.CheckConstraint(
                condition=Q(passing_score__lte=100), name="activity_assessment_passing_score"
            ),
        ]

    def __str__(self):
        return self.title


class Attempt(models.Model):
    """One try at an assessment; a forgiven attempt stays in history but no longer counts."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessment_attempts"
    )
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField("score (%)", null=True, blank=True)
    passed = models.BooleanField(default=False)
    forgiven_at = models.DateTimeField(null=True, blank=True)
    forgiven_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    forgive_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        permissions = [("forgive_attempt", "Can forgive assessment attempts")]
        indexes = [
            models.Index(
                fields=["learner", "assessment", "-started_at", "-id"],
                name="activity_attempt_learner_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="activity_attempt_score"
            ),
        ]

    def __str__(self):
        return f"{self.assessment} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_forgiven(self):
        return self.forgiven_at is not None


class CertificateTemplate(models.Model):
    """The certificate a content item awards; removing it from the content stops manual issue."""

    content = models.ForeignKey(
        Content, on_delete=models.CASCADE, related_name="certificate_templates"
    )
    title = models.CharField(max_length=200)
    wording = models.TextField(
        blank=True, help_text="Shown under the learner's name, e.g. “has successfully completed”."
    )
    validity_days = models.PositiveIntegerField(
        "valid for (days)", null=True, blank=True, help_text="Empty: never expires."
    )
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the template was removed from the content."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content"],
                condition=Q(removed_at__isnull=True),
                name="activity_one_template_per_content",
            ),
            models.CheckConstraint(
                condition=Q(validity_days__isnull=True) | Q(validity_days__gt=0),
                name="activity_template_validity_positive",
            ),
        ]

    def __str__(self):
        return self.title


class Certificate(models.Model):
    """A certificate a learner holds; at most one valid (not revoked) per content item."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="certificates")
    template = models.ForeignKey(
        CertificateTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
    )
    title = models.CharField(max_length=200, help_text="The template's title when issued.")
    wording = models.TextField(blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when earned automatically.",
    )
    verification_code = models.CharField(max_length=20, unique=True, default=new_verification_code)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        permissions = [
            ("issue_certificate", "Can issue certificates"),
            ("revoke_certificate", "Can revoke certificates"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "content"],
                condition=Q(revoked_at__isnull=True),
                name="activity_one_valid_certificate",
            ),
        ]
        indexes = [
            models.Index(fields=["learner", "-issued_at", "-id"], name="activity_cert_learner_idx"),
        ]

    def __str__(self):
        return f"{self.title} ({self.verification_code})"

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    @property
    def is_expired(self):
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def status(self):
        if self.is_revoked:
            return "Revoked"
        if self.is_expired:
            return "Expired"
        return "Valid"


class AwardType(models.Model):
    """A kind of award the school gives, e.g. Star / Stars ⭐."""

    singular = models.CharField(max_length=60, unique=True)
    plural = models.CharField(max_length=60)
    icon = models.CharField(max_length=8, blank=True, help_text="An emoji or short text.")

    class Meta:
        ordering = ["singular", "id"]

    def __str__(self):
        return self.singular

    def label(self, quantity):
        return self.singular if quantity == 1 else self.plural


class AwardGrant(models.Model):
    """A quantity of one award type given to a learner for a content item."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="award_grants"
    )
    award_type = models.ForeignKey(AwardType, on_delete=models.PROTECT, related_name="grants")
    quantity = models.PositiveIntegerField()
    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="award_grants")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        permissions = [("grant_award", "Can grant awards")]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(quantity__lte=MAX_AWARD_QUANTITY),
                name="activity_award_quantity_positive",
            ),
        ]
        indexes = [
            models.Index(
                fields=["learner", "-granted_at", "-id"], name="activity_award_learner_idx"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} {self.award_type.label(self.quantity)} → {self.learner}"


class ActivitySettings(SchoolSettingsBase):
    """School-wide switches of the activity app (Settings > Activity)."""

    gamification = models.BooleanField(
        "Gamification",
        default=False,
        help_text="Learners earn awards (stars, badges…); the Awards section appears.",
    )

    class Meta:
        verbose_name = "activity settings"
        verbose_name_plural = "activity settings"

    def __str__(self):
        return "Activity settings"
