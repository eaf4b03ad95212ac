from celery import shared_task
from django.core.mail import EmailMessage


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def send_email(subject, body, to):
    """Deliver one plain-text e-mail (enqueued on commit by the services)."""
    EmailMessage(subject=subject, body=body, to=to).send()
