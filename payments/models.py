"""Cards on file (gateway tokens only), subscriptions, purchases and money movements."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from access.models import AccessGrant, BulkPurchase, Content, LearningPath, SubscriptionPlan

from .money import format_money


class Card(models.Model):
    """A learner's card as the gateway knows it: its token, brand, last 4 and expiry."""

    class Brand(models.TextChoices):
        VISA = "visa", "Visa"
        MASTERCARD = "mastercard", "Mastercard"
        AMEX = "amex", "American Express"
        DISCOVER = "discover", "Discover"
        UNKNOWN = "unknown", "Card"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cards"
    )
    token = models.CharField("gateway token", max_length=255, unique=True)
    brand = models.CharField(max_length=20, choices=Brand.choices)
    last4 = models.CharField("last 4 digits", max_length=4)
    exp_month = models.PositiveSmallIntegerField("expiry month")
    exp_year = models.PositiveSmallIntegerField("expiry year")
    is_default = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_default", "-added_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner"], condition=Q(is_default=True), name="payments_one_default_card"
            ),
            models.CheckConstraint(
                condition=Q(exp_month__gte=1, exp_month__lte=12), name="payments_card_exp_month"
            ),
            models.CheckConstraint(
                condition=Q(last4__regex=r"^[0-9]{4}$"), name="payments_card_last4_digits"
            ),
        ]

    def __str__(self):
        return f"{self.get_brand_display()} •••• {self.last4}"

    @property
    def expiry(self):
        return f"{self.exp_month:02d}/{self.exp_year}"

    @property
    def is_expired(self):
        today = timezone.localdate()
        return (self.exp_year, self.exp_month) < (today.year, today.month)


class Subscription(models.Model):
    """A learner's subscription to a plan; while current it holds a grant of the plan."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Past due"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    CURRENT = (Status.ACTIVE, Status.PAST_DUE)

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    plan = models.ForeignKey(SubscriptionPlan, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now)
    current_period_end = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    access_grant = models.ForeignKey(
        AccessGrant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "plan"],
                condition=Q(status__in=["active", "past_due"]),
                name="payments_one_current_subscription_per_plan",
            ),
            models.CheckConstraint(
                condition=Q(current_period_end__gt=F("started_at")),
                name="payments_subscription_period_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.learner} · {self.plan} ({self.get_status_display()})"

    @property
    def is_current(self):
        return self.status in self.CURRENT


class Transaction(models.Model):
    """Money moved through the gateway: a charge, or a refund of (part of) a charge."""

    class Kind(models.TextChoices):
        CHARGE = "charge", "Charge"
        REFUND = "refund", "Refund"

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payment_transactions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount_minor = models.BigIntegerField("amount (minor units)")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUCCEEDED)
    gateway_reference = models.CharField(max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    refunded_minor = models.BigIntegerField("refunded (minor units)", default=0)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        help_text="The charge a refund gives money back from.",
    )
    description = models.CharField(max_length=255, blank=True)
    card_label = models.CharField("card", max_length=60, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="transactions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("refund_transaction", "Can refund a transaction")]
        indexes = [
            models.Index(
                fields=["learner", "-created_at", "-id"], name="payments_txn_learner_recent"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payments_txn_amount"),
            models.CheckConstraint(
                condition=Q(refunded_minor__gte=0, refunded_minor__lte=F("amount_minor")),
                name="payments_txn_refund_within_charge",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="payments_txn_currency"
            ),
            models.CheckConstraint(
                condition=Q(kind="charge", parent__isnull=True)
                | Q(kind="refund", parent__isnull=False, refunded_minor=0),
                name="payments_txn_refund_has_charge",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount_display}"

    @property
    def amount_display(self):
        return format_money(self.amount_minor, self.currency)

    @property
    def refundable_minor(self):
        if self.kind != self.Kind.CHARGE or self.status != self.Status.SUCCEEDED:
            return 0
        return self.amount_minor - self.refunded_minor


class Purchase(models.Model):
    """A one-off purchase: content, a learning path, or seats for others (a bulk purchase)."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases"
    )
    content = models.ForeignKey(
        Content, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    learning_path = models.ForeignKey(
        LearningPath, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bulk_purchase = models.ForeignKey(
        BulkPurchase, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount_minor = models.BigIntegerField("amount (minor units)")
    currency = models.CharField(max_length=3)
    charge = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="purchase")
    access_grant = models.ForeignKey(
        AccessGrant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    purchased_at = models.DateTimeField(default=timezone.now)
    purchased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-purchased_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    content__isnull=False, learning_path__isnull=True, bulk_purchase__isnull=True
                )
                | Q(content__isnull=True, learning_path__isnull=False, bulk_purchase__isnull=True)
                | Q(content__isnull=True, learning_path__isnull=True, bulk_purchase__isnull=False),
                name="payments_purchase_exactly_one_item",
            ),
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0), name="payments_purchase_amount"
            ),
        ]

    def __str__(self):
        return f"{self.learner} bought {self.item}"

    @property
    def item(self):
        return self.content or self.learning_path or self.bulk_purchase

    @property
    def amount_display(self):
        return format_money(self.amount_minor, self.currency)
