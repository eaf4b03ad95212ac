"""Outgoing e-mail that is never lost nor doubled (the transactional outbox).

`enqueue` writes the message in the caller's transaction and hands its id to Celery once
that commits; a rolled-back change leaves no message. The worker claims the row before
sending (so a second delivery of the task does nothing), retries with capped exponential
backoff and marks it failed after the last attempt; the UI shows it with a Retry. `sweep`
(beat, every minute, or `manage.py send_pending_emails`) re-enqueues what a broker outage
or a killed worker left behind.
"""

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboundEmail

logger = logging.getLogger(__name__)
Status = OutboundEmail.Status


def max_attempts():
    return getattr(settings, "OUTBOX_MAX_ATTEMPTS", 6)


def retry_delay(attempts):
    """Seconds before attempt `attempts + 1`: exponential, capped below the broker's
    visibility timeout so a waiting retry is never redelivered early."""
    base = getattr(settings, "OUTBOX_RETRY_BASE_SECONDS", 30)
    cap = getattr(settings, "OUTBOX_RETRY_MAX_SECONDS", 1800)
    return min(cap, base * 2 ** max(0, attempts - 1))


def lease():
    return timedelta(seconds=getattr(settings, "OUTBOX_LEASE_SECONDS", 300))


def enqueue(*, key, to, subject, body, user=None):
    """Write one e-mail in the current transaction (once per key) and send it after commit."""
    email, created = OutboundEmail.objects.get_or_create(
        key=key[:200],
        defaults={"to": to, "subject": subject[:300], "body": body, "user": user},
    )
    if created:
        transaction.on_commit(lambda: dispatch(email.pk))
    return email


def dispatch(email_id, countdown=None):
    """Hand an e-mail to the worker; if the broker is down, the sweeper will do it later."""
    try:
        deliver_email.apply_async((email_id,), countdown=countdown)
    except Exception:  # noqa: BLE001 - any broker failure: the row stays pending
        logger.warning("Broker unavailable: e-mail %s waits for the sweeper", email_id)
        return False
    return True


def _claim(email_id, now):
    """Take the e-mail for sending, or None if it is sent, failed, not due, or being sent."""
    due = Q(status=Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(status=Status.SENDING, lease_until__lt=now)
    claimed = (
        OutboundEmail.objects.filter(pk=email_id)
        .filter(due | abandoned)
        .update(status=Status.SENDING, lease_until=now + lease(), attempts=F("attempts") + 1)
    )
    return OutboundEmail.objects.get(pk=email_id) if claimed else None


def deliver(email_id):
    """Send one e-mail if it is still due; returns its status afterwards (or "skipped")."""
    now = timezone.now()
    email = _claim(email_id, now)
    if email is None:
        return "skipped"
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        to=[email.to],
        headers={"Message-ID": f"<outbox-{email.pk}-{email.key.replace(':', '-')}@lms.local>"},
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        return _failed_attempt(email, error)
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=Status.SENT, sent_at=timezone.now(), lease_until=None, body="", last_error=""
    )
    return Status.SENT


def _failed_attempt(email, error):
    detail = f"{type(error).__name__}: {error}"[:500]
    if email.attempts >= max_attempts():
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=Status.FAILED, last_error=detail, lease_until=None
        )
        logger.error("E-mail %s failed for good after %s attempts", email.pk, email.attempts)
        return Status.FAILED
    delay = retry_delay(email.attempts)
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=Status.PENDING,
        last_error=detail,
        lease_until=None,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    dispatch(email.pk, countdown=delay)
    return Status.PENDING


def sweep(now=None):
    """Re-enqueue due pending e-mails and abandoned sends; returns how many were handed over."""
    now = now or timezone.now()
    due = OutboundEmail.objects.filter(
        (Q(status=Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)))
        | Q(status=Status.SENDING, lease_until__lt=now)
    )
    ids = list(due.values_list("pk", flat=True)[:1000])
    return sum(1 for email_id in ids if dispatch(email_id))


@shared_task(name="users.tasks.deliver_email", time_limit=120, soft_time_limit=100)
def deliver_email(email_id):
    """Send one outbox e-mail (claims it first: a second delivery of this task is a no-op)."""
    return deliver(email_id)


@shared_task(name="users.tasks.sweep_outbox")
def sweep_outbox():
    """Every minute: re-enqueue e-mails a broker outage or a killed worker left behind."""
    return sweep()
