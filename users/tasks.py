from celery import shared_task

from . import outbox
from .privacy_tasks import process_erasures  # noqa: F401 (registers the daily erasure task)


@shared_task(time_limit=120, soft_time_limit=100)
def deliver_email(email_id):
    """Send one outbox e-mail (claims it first: a second delivery of this task is a no-op)."""
    return outbox.deliver(email_id)


@shared_task
def sweep_outbox():
    """Every minute: re-enqueue e-mails a broker outage or a killed worker left behind."""
    return outbox.sweep()
