"""The payments app's part of a privacy request (privacy/services.py runs it)."""

from django.utils import timezone

from payments.models import Card, Purchase, Subscription, Transaction
from privacy.rows import plain_rows


def export(user):
    """Cards (brand, last 4, expiry only), subscriptions, purchases and transactions."""
    return {
        "cards": plain_rows(
            Card.objects.filter(learner=user).order_by("added_at", "id"),
            "brand",
            "last4",
            "exp_month",
            "exp_year",
            "is_default",
            "added_at",
        ),
        "subscriptions": plain_rows(
            Subscription.objects.filter(learner=user).order_by("started_at", "id"),
            "status",
            "started_at",
            "current_period_end",
            "cancelled_at",
            plan="plan__name",
        ),
        "purchases": plain_rows(
            Purchase.objects.filter(learner=user).order_by("purchased_at", "id"),
            "amount_minor",
            "currency",
            "purchased_at",
            content="content__title",
            learning_path="learning_path__title",
            bulk_purchase="bulk_purchase__order_reference",
        ),
        "transactions": plain_rows(
            Transaction.objects.filter(learner=user).order_by("created_at", "id"),
            "kind",
            "amount_minor",
            "currency",
            "status",
            "refunded_minor",
            "description",
            "card_label",
            "reason",
            "created_at",
        ),
    }


def erase(user):
    """Transactions and purchases stay (financial records); cards on file and renewals go.

    The gateway interface has no call to forget a token, so only our copy is deleted.
    """
    cards, _ = Card.objects.filter(learner=user).delete()
    cancelled = Subscription.objects.filter(learner=user, status__in=Subscription.CURRENT).update(
        status=Subscription.Status.CANCELLED, cancelled_at=timezone.now()
    )
    return {
        "cards_deleted": cards,
        "subscriptions_cancelled": cancelled,
        "transactions_kept": Transaction.objects.filter(learner=user).count(),
    }
