"""The catalog (content, learning paths, plans, Panoramas) and who may open what."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from users.models import SchoolSettingsBase

EXPIRES_SOON = timezone.timedelta(days=14)


class Content(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", "Course"
        VIDEO = "video", "Video"
        EBOOK = "ebook", "E-book"
        WEBINAR = "webinar", "Webinar"
        DOCUMENT = "document", "Document"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COURSE)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    is_published = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]
        verbose_name_plural = "content"

    def __str__(self):
        return self.title


class LearningPath(models.Model):
    """An ordered list of content."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    contents = models.ManyToManyField(Content, through="LearningPathItem", related_name="paths")

    class Meta:
        ordering = ["title", "id"]

    def __str__(self):
        return self.title


class LearningPathItem(models.Model):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="items")
    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["path", "content"], name="access_path_item_unique")
        ]

    def __str__(self):
        return f"{self.path} #{self.position}"


class SubscriptionPlan(models.Model):
    """A subscription's name and the content it opens."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    contents = models.ManyToManyField(Content, blank=True, related_name="plans")
    learning_paths = models.ManyToManyField(LearningPath, blank=True, related_name="plans")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Panorama(models.Model):
    """A client organisation's own branded sub-site with its content."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    contents = models.ManyToManyField(Content, blank=True, related_name="panoramas")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Sublicense(models.Model):
    """A share of a Panorama's content for a group of learners, with a seat limit."""

    panorama = models.ForeignKey(Panorama, on_delete=models.CASCADE, related_name="sublicenses")
    name = models.CharField(max_length=200)
    is_main = models.BooleanField(default=False)
    contents = models.ManyToManyField(Content, blank=True, related_name="sublicenses")
    seat_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    seats_used = models.PositiveIntegerField(default=0)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_main", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["panorama", "name"], name="access_sublicense_name"),
            models.UniqueConstraint(
                fields=["panorama"], condition=Q(is_main=True), name="access_one_main_sublicense"
            ),
            models.CheckConstraint(
                condition=Q(seat_limit__isnull=True) | Q(seats_used__lte=models.F("seat_limit")),
                name="access_sublicense_not_overfilled",
            ),
        ]

    def __str__(self):
        return f"{self.panorama}: {self.name}"


class SublicenseSeat(models.Model):
    """A learner's place in a Panorama: exactly one sublicense per Panorama."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sublicense_seats"
    )
    panorama = models.ForeignKey(Panorama, on_delete=models.CASCADE, related_name="seats")
    sublicense = models.ForeignKey(Sublicense, on_delete=models.PROTECT, related_name="seats")
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "panorama"], name="access_one_seat_per_panorama"
            )
        ]

    def __str__(self):
        return f"{self.user} in {self.sublicense}"


class BulkPurchase(models.Model):
    """Seats of one item a learner bought for others, redeemed by codes."""

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_purchases"
    )
    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="+")
    seats = models.PositiveIntegerField()
    order_reference = models.CharField(max_length=64, unique=True)
    purchased_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-purchased_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(seats__gt=0), name="access_bulk_seats")]

    def __str__(self):
        return f"{self.order_reference}: {self.seats} × {self.content}"


class RedemptionCode(models.Model):
    bulk_purchase = models.ForeignKey(BulkPurchase, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=32, unique=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    redeemed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.code


class AccessGrant(models.Model):
    """One learner's access to one item (content, learning path or subscription plan)."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        PURCHASE = "purchase", "Purchase"
        SUBSCRIPTION = "subscription", "Subscription"
        SUBLICENSE = "sublicense", "Sublicense"
        BULK_PURCHASE = "bulk_purchase", "Bulk purchase"
        LEARNING_PATH = "learning_path", "Learning path"

    class EndReason(models.TextChoices):
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants"
    )
    content = models.ForeignKey(
        Content, null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    learning_path = models.ForeignKey(
        LearningPath, null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    plan = models.ForeignKey(
        SubscriptionPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="grants"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        help_text="The learning-path or plan grant that opened this content.",
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the learner archived it (if enabled)."
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-granted_at", "-id"], name="access_grant_user_recent"),
            models.Index(
                fields=["expires_at"],
                condition=Q(ended_at__isnull=True, expires_at__isnull=False),
                name="access_grant_to_expire",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(content__isnull=False, learning_path__isnull=True, plan__isnull=True)
                | Q(content__isnull=True, learning_path__isnull=False, plan__isnull=True)
                | Q(content__isnull=True, learning_path__isnull=True, plan__isnull=False),
                name="access_grant_exactly_one_item",
            ),
            models.UniqueConstraint(
                fields=["user", "content"],
                condition=Q(ended_at__isnull=True, content__isnull=False),
                name="access_one_active_content_grant",
            ),
            models.UniqueConstraint(
                fields=["user", "learning_path"],
                condition=Q(ended_at__isnull=True, learning_path__isnull=False),
                name="access_one_active_path_grant",
            ),
            models.UniqueConstraint(
                fields=["user", "plan"],
                condition=Q(ended_at__isnull=True, plan__isnull=False),
                name="access_one_active_plan_grant",
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.item}"

    @property
    def item(self):
        return self.content or self.learning_path or self.plan

    @property
    def is_active(self):
        return self.ended_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )

    @property
    def has_expired(self):
        """Ended by its date, or past its date and not yet swept by `expire_access`."""
        if self.ended_at is not None:
            return self.end_reason == self.EndReason.EXPIRED
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def status(self):
        if self.ended_at is not None and self.end_reason == self.EndReason.REVOKED:
            return "Revoked"
        if self.has_expired:
            return "Expired"
        if self.archived_at is not None:
            return "Archived by learner"
        if self.expires_at is not None and self.expires_at - timezone.now() < EXPIRES_SOON:
            return "Expires soon"
        return "Active"


class AccessSettings(SchoolSettingsBase):
    """School-wide switches of the access app (Settings > Access)."""

    learner_archiving = models.BooleanField(
        "Learners may archive their content",
        default=False,
        help_text="Learners move items they have finished into an Archive section on their home.",
    )

    class Meta:
        verbose_name = "access settings"
        verbose_name_plural = "access settings"

    def __str__(self):
        return "Access settings"
