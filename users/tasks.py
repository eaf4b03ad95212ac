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


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def send_invitation(invitation_id, link):
    """Deliver one invitation e-mail, once: a sent invitation is never sent again."""
    from django.template.loader import render_to_string
    from django.utils import timezone

    from .models import Invitation

    invitation = Invitation.objects.select_related("user").filter(pk=invitation_id).first()
    if invitation is None or invitation.sent_at is not None:
        return
    context = {"user": invitation.user, "link": link}
    EmailMessage(
        subject="You are invited to your school",
        body=render_to_string("users/email/invitation.txt", context),
        to=[invitation.user.email],
    ).send()
    Invitation.objects.filter(pk=invitation_id, sent_at__isnull=True).update(sent_at=timezone.now())
