from celery import shared_task

from . import services


@shared_task
def expire_subscriptions():
    """Nightly: subscriptions whose paid period has ended become expired (idempotent)."""
    expired = 0
    for subscription in services.subscriptions_due_to_expire().iterator(chunk_size=500):
        if services.subscription_expire(subscription=subscription).status == "expired":
            expired += 1
    return expired
