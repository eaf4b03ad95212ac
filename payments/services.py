"""Every change to payments: check the rule, one transaction, one audit event.

The gateway is called inside the database transaction, after the rows it affects are
locked, with an idempotency key: a retry never charges or refunds twice.
"""

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from access.models import AccessGrant, BulkPurchase, Content, LearningPath
from access.services import access_grant, access_revoke
from users import audit
from users.rules import require_can_edit

from .gateways import get_gateway
from .models import Card, Purchase, Subscription, Transaction
from .money import format_money

MAX_AMOUNT_MINOR = 10**11


def _lock_learner(user):
    """Serialize money moves per learner (two subscriptions or purchases at once)."""
    return get_user_model().objects.select_for_update().get(pk=user.pk)


def _check_amount(amount_minor, currency, field="amount_minor"):
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise ValidationError({field: "Enter a whole number of minor units (cents)."})
    if not 0 < amount_minor <= MAX_AMOUNT_MINOR:
        raise ValidationError({field: "Enter an amount greater than zero and within limits."})
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        raise ValidationError({"currency": "Use a three-letter currency code such as USD."})


@sensitive_variables()
@transaction.atomic
def card_add(*, user, number, exp_month, exp_year, cvc, name, actor, make_default=None):
    """Tokenize a card at the gateway and keep only its token, brand, last 4 and expiry."""
    require_can_edit(actor=actor, target=user, permission="payments.add_card")
    _lock_learner(user)
    token = get_gateway().tokenize(
        number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc, name=name
    )
    has_default = Card.objects.filter(learner=user, is_default=True).exists()
    if make_default is None:
        make_default = not has_default
    if make_default and has_default:
        Card.objects.filter(learner=user, is_default=True).update(is_default=False)
    brand = token.brand if token.brand in Card.Brand.values else Card.Brand.UNKNOWN
    card = Card.objects.create(
        learner=user,
        token=token.token,
        brand=brand,
        last4=token.last4,
        exp_month=token.exp_month,
        exp_year=token.exp_year,
        is_default=make_default,
        added_by=actor,
    )
    audit.record(
        actor=actor,
        subject=user,
        action="payments.card_added",
        changes={"card": [None, f"{card} exp {card.expiry}"], "is_default": [None, make_default]},
    )
    return card


@transaction.atomic
def card_remove(*, card, actor, reason=""):
    """Forget a card; if it was the default, the most recent other card becomes the default."""
    card = Card.objects.select_for_update().select_related("learner").get(pk=card.pk)
    user = card.learner
    require_can_edit(actor=actor, target=user, permission="payments.delete_card")
    label, was_default = f"{card} exp {card.expiry}", card.is_default
    card.delete()
    if was_default:
        successor = Card.objects.filter(learner=user).order_by("-added_at", "-id").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])
    audit.record(
        actor=actor,
        subject=user,
        action="payments.card_removed",
        changes={"card": [label, None]},
        note=reason,
    )


@transaction.atomic
def card_make_default(*, card, actor):
    """Charge this card from now on."""
    card = Card.objects.select_for_update().select_related("learner").get(pk=card.pk)
    user = card.learner
    require_can_edit(actor=actor, target=user, permission="payments.change_card")
    if card.is_default:
        return card
    previous = Card.objects.filter(learner=user, is_default=True).first()
    if previous is not None:
        previous.is_default = False
        previous.save(update_fields=["is_default"])
    card.is_default = True
    card.save(update_fields=["is_default"])
    audit.record(
        actor=actor,
        subject=user,
        action="payments.card_made_default",
        changes={"default_card": [str(previous) if previous else None, str(card)]},
    )
    return card


def _default_card(user):
    card = Card.objects.filter(learner=user, is_default=True).first()
    if card is None:
        raise ValidationError({"card": "The learner has no card on file. Add a card first."})
    if card.is_expired:
        raise ValidationError({"card": "The card on file has expired. Add a new card first."})
    return card


def _charge(*, user, card, amount_minor, currency, actor, description, subscription=None):
    key = f"charge-{uuid.uuid4()}"
    result = get_gateway().charge(
        token=card.token, amount_minor=amount_minor, currency=currency, idempotency_key=key
    )
    return Transaction.objects.create(
        learner=user,
        kind=Transaction.Kind.CHARGE,
        amount_minor=amount_minor,
        currency=currency,
        gateway_reference=result.reference,
        idempotency_key=key,
        description=description[:255],
        card_label=str(card),
        subscription=subscription,
        initiated_by=actor,
    )


@transaction.atomic
def subscription_start(
    *, user, plan, actor, amount_minor, currency="USD", period_days=30, started_at=None
):
    """Charge the default card for one period and open the plan's content until its end."""
    require_can_edit(actor=actor, target=user, permission="payments.add_subscription")
    currency = str(currency).upper()
    _check_amount(amount_minor, currency)
    _lock_learner(user)
    if Subscription.objects.filter(
        learner=user, plan=plan, status__in=Subscription.CURRENT
    ).exists():
        raise ValidationError({"plan": "The learner already has a current subscription to it."})
    card = _default_card(user)
    now = started_at or timezone.now()
    period_end = now + timedelta(days=period_days)
    grant = access_grant(
        user=user,
        item=plan,
        actor=actor,
        source=AccessGrant.Source.SUBSCRIPTION,
        expires_at=period_end,
    )
    subscription = Subscription.objects.create(
        learner=user,
        plan=plan,
        started_at=now,
        current_period_end=period_end,
        access_grant=grant,
        started_by=actor,
    )
    charge = _charge(
        user=user,
        card=card,
        amount_minor=amount_minor,
        currency=currency,
        actor=actor,
        description=f"Subscription: {plan}",
        subscription=subscription,
    )
    audit.record(
        actor=actor,
        subject=user,
        action="payments.subscription_started",
        changes={
            "subscription": [None, str(plan)],
            "charged": [None, charge.amount_display],
            "current_period_end": [None, period_end.isoformat()],
        },
    )
    return subscription


@transaction.atomic
def subscription_cancel(*, subscription, actor, reason=""):
    """End a subscription now and close the access it opened."""
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("learner", "plan")
        .get(pk=subscription.pk)
    )
    user = subscription.learner
    require_can_edit(actor=actor, target=user, permission="payments.change_subscription")
    if not subscription.is_current:
        return subscription
    old_status = subscription.status
    subscription.status = Subscription.Status.CANCELLED
    subscription.cancelled_at = timezone.now()
    subscription.save(update_fields=["status", "cancelled_at"])
    if subscription.access_grant_id is not None:
        access_revoke(grant=subscription.access_grant, actor=actor, reason=reason)
    audit.record(
        actor=actor,
        subject=user,
        action="payments.subscription_cancelled",
        changes={"subscription": [f"{subscription.plan} ({old_status})", "cancelled"]},
        note=reason,
    )
    return subscription


@transaction.atomic
def subscription_expire(*, subscription, actor=None, now=None):
    """Mark a subscription whose paid period has ended as expired (its grant lapses by itself)."""
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("learner", "plan")
        .get(pk=subscription.pk)
    )
    require_can_edit(
        actor=actor, target=subscription.learner, permission="payments.change_subscription"
    )
    now = now or timezone.now()
    if not subscription.is_current or subscription.current_period_end > now:
        return subscription
    old_status = subscription.status
    subscription.status = Subscription.Status.EXPIRED
    subscription.save(update_fields=["status"])
    audit.record(
        actor=actor,
        subject=subscription.learner,
        action="payments.subscription_expired",
        changes={"subscription": [f"{subscription.plan} ({old_status})", "expired"]},
    )
    return subscription


def subscriptions_due_to_expire(*, now=None):
    """Current subscriptions whose paid period has ended (for the nightly command)."""
    return Subscription.objects.filter(
        status__in=Subscription.CURRENT, current_period_end__lte=now or timezone.now()
    )


@transaction.atomic
def purchase_create(*, user, item, amount_minor, actor, currency="USD"):
    """Charge the default card for content, a learning path or bulk seats, and open it."""
    require_can_edit(actor=actor, target=user, permission="payments.add_purchase")
    currency = str(currency).upper()
    _check_amount(amount_minor, currency)
    field = {Content: "content", LearningPath: "learning_path", BulkPurchase: "bulk_purchase"}.get(
        type(item)
    )
    if field is None:
        raise TypeError(f"Cannot sell {type(item).__name__}")
    _lock_learner(user)
    card = _default_card(user)
    charge = _charge(
        user=user,
        card=card,
        amount_minor=amount_minor,
        currency=currency,
        actor=actor,
        description=f"Purchase: {item}",
    )
    grant = None
    if field != "bulk_purchase":
        grant = access_grant(user=user, item=item, actor=actor, source=AccessGrant.Source.PURCHASE)
    purchase = Purchase.objects.create(
        learner=user,
        amount_minor=amount_minor,
        currency=currency,
        charge=charge,
        access_grant=grant,
        purchased_by=actor,
        **{field: item},
    )
    audit.record(
        actor=actor,
        subject=user,
        action="payments.purchased",
        changes={field: [None, str(item)], "charged": [None, charge.amount_display]},
    )
    return purchase


@transaction.atomic
def transaction_refund(*, transaction, amount_minor, reason, actor, idempotency_key=None):
    """Give back part or all of a charge; never more than what is left of it, even in a race."""
    charge = (
        Transaction.objects.select_for_update().select_related("learner").get(pk=transaction.pk)
    )
    user = charge.learner
    require_can_edit(actor=actor, target=user, permission="payments.refund_transaction")
    key = f"refund-{idempotency_key or uuid.uuid4()}"[:100]
    done = Transaction.objects.filter(idempotency_key=key).first()
    if done is not None:
        return done
    if charge.kind != Transaction.Kind.CHARGE or charge.status != Transaction.Status.SUCCEEDED:
        raise ValidationError({"amount_minor": "Only a successful charge can be refunded."})
    _check_amount(amount_minor, charge.currency)
    left = charge.amount_minor - charge.refunded_minor
    if amount_minor > left:
        raise ValidationError(
            {
                "amount_minor": "At most "
                f"{format_money(left, charge.currency)} is left to refund on this charge."
            }
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the money is given back."})
    result = get_gateway().refund(
        charge_reference=charge.gateway_reference, amount_minor=amount_minor, idempotency_key=key
    )
    refund = Transaction.objects.create(
        learner=user,
        kind=Transaction.Kind.REFUND,
        amount_minor=amount_minor,
        currency=charge.currency,
        gateway_reference=result.reference,
        idempotency_key=key,
        parent=charge,
        description=f"Refund of {charge.description or charge.gateway_reference}"[:255],
        card_label=charge.card_label,
        reason=reason[:500],
        initiated_by=actor,
    )
    old_refunded = charge.refunded_minor
    charge.refunded_minor = old_refunded + amount_minor
    charge.save(update_fields=["refunded_minor"])
    audit.record(
        actor=actor,
        subject=user,
        action="payments.refunded",
        changes={
            "refunded": [
                format_money(old_refunded, charge.currency),
                format_money(charge.refunded_minor, charge.currency),
            ],
            "charge": [charge.gateway_reference, charge.gateway_reference],
        },
        note=reason,
    )
    return refund
