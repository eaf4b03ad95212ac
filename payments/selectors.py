"""Reads for the Payments tab, each a fixed number of queries whatever the history size."""

from django.db.models import Count, Q, Sum

from access.models import SubscriptionPlan
from users.paging import keyset_page

from .models import Card, Purchase, Subscription, Transaction
from .money import format_money

PAGE_SIZE = 25
ORDER = [("created_at", True), ("id", True)]
KINDS = ["datetime", "int"]
PURCHASE_ORDER = [("purchased_at", True), ("id", True)]
PURCHASE_KINDS = ["datetime", "int"]


def cards_on_file(user):
    """The learner's cards, default first (1 query)."""
    return list(Card.objects.filter(learner=user))


def subscriptions(user):
    """(current, past) subscriptions, each with what its plan opens (3 queries, always).

    `plan_contents` and `plan_paths` on each row. Not prefetch_related: it skips its
    queries when there is no subscription, and the tab costs the same for every learner.
    """
    rows = list(Subscription.objects.filter(learner=user).select_related("plan", "access_grant"))
    plans = Subscription.objects.filter(learner=user).values("plan_id")
    contents, paths = {}, {}
    for link in (
        SubscriptionPlan.contents.through.objects.filter(subscriptionplan_id__in=plans)
        .select_related("content")
        .order_by("content__title", "content_id")
    ):
        contents.setdefault(link.subscriptionplan_id, []).append(link.content)
    for link in (
        SubscriptionPlan.learning_paths.through.objects.filter(subscriptionplan_id__in=plans)
        .select_related("learningpath")
        .order_by("learningpath__title", "learningpath_id")
    ):
        paths.setdefault(link.subscriptionplan_id, []).append(link.learningpath)
    for row in rows:
        row.plan_contents = contents.get(row.plan_id, [])
        row.plan_paths = paths.get(row.plan_id, [])
    current = [row for row in rows if row.is_current]
    past = [row for row in rows if not row.is_current]
    return current, past


def purchase_page(user, *, cursor=None, size=PAGE_SIZE):
    """Purchases with their item, charge and access grant, newest first, keyset-paged (1 query)."""
    rows = Purchase.objects.filter(learner=user).select_related(
        "content", "learning_path", "bulk_purchase__content", "access_grant", "charge"
    )
    return keyset_page(rows, order=PURCHASE_ORDER, kinds=PURCHASE_KINDS, cursor=cursor, size=size)


def transaction_page(user, *, cursor=None, size=PAGE_SIZE):
    """Newest first, keyset-paged (1 query)."""
    rows = Transaction.objects.filter(learner=user).select_related("initiated_by", "parent")
    return keyset_page(rows, order=ORDER, kinds=KINDS, cursor=cursor, size=size)


def totals(user):
    """Per currency: charged, refunded and net, over every successful transaction (1 query)."""
    succeeded = Q(status=Transaction.Status.SUCCEEDED)
    rows = (
        Transaction.objects.filter(learner=user)
        .values("currency")
        .annotate(
            charged=Sum("amount_minor", filter=succeeded & Q(kind=Transaction.Kind.CHARGE)),
            refunded=Sum("amount_minor", filter=succeeded & Q(kind=Transaction.Kind.REFUND)),
            count=Count("id"),
        )
        .order_by("currency")
    )
    result = []
    for row in rows:
        charged, refunded = row["charged"] or 0, row["refunded"] or 0
        currency = row["currency"]
        result.append(
            {
                "currency": currency,
                "count": row["count"],
                "charged_minor": charged,
                "refunded_minor": refunded,
                "net_minor": charged - refunded,
                "charged": format_money(charged, currency),
                "refunded": format_money(refunded, currency),
                "net": format_money(charged - refunded, currency),
            }
        )
    return result


def refundable_charge(user_id, transaction_id):
    """The charge a refund form is about, or None if it is not this learner's charge."""
    return (
        Transaction.objects.filter(
            pk=transaction_id, learner_id=user_id, kind=Transaction.Kind.CHARGE
        )
        .select_related("learner")
        .first()
    )
