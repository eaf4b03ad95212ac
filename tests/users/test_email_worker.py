"""Forgot Password through a real Celery worker on Redis (CI sets REDIS_URL)."""

import time

import pytest
from django.core import mail

from lms.celery import app as celery_app
from tests.factories import LearnerFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
]


@pytest.fixture
def celery_worker():
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def wait_for_mail(count, timeout=20):
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return mail.outbox


def test_forgot_password_mail_goes_through_the_worker(client, celery_worker):
    LearnerFactory(email="worker@example.com")
    response = client.post("/forgot_password/", {"email": "worker@example.com"})
    assert response.status_code == 302
    outbox = wait_for_mail(1)
    assert [message.to for message in outbox] == [["worker@example.com"]]
    assert "/reset/" in outbox[0].body
