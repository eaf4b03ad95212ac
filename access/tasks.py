from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def expire_access():
    """End access past its date (beat: hourly); safe to run twice."""
    return services.access_expire_due()
