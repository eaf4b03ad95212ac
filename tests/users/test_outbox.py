"""E-mail is never lost nor doubled: a real SMTP server (aiosmtpd), real Redis, real workers."""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.utils import timezone

from lms.celery import app as celery_app
from tests.factories import AdminFactory, LearnerFactory
from tests.workers import child_database_url, start_worker_process, wait_for
from users import outbox, services
from users.models import OutboundEmail

ROOT = Path(__file__).resolve().parents[2]
needs_redis = pytest.mark.redis


class Mailbox:
    """aiosmtpd handler: keeps what it accepts; can refuse, or stall before accepting."""

    def __init__(self):
        self.messages = []
        self.refuse = False
        self.stall_seconds = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.stall_seconds:
            await asyncio.sleep(self.stall_seconds)
        if self.refuse:
            return "451 4.3.0 Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf8", errors="replace"))
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    mailbox.port = controller.port
    yield mailbox
    controller.stop()


def invite(learner, key="click-0000000000000001"):
    return services.invite_send(
        user=learner, actor=None, request_key=key, link_base="http://school.example/"
    )


@pytest.mark.django_db
class TestOutbox:
    def test_delivered_over_smtp_once_and_the_body_is_cleared(
        self, smtp, django_capture_on_commit_callbacks
    ):
        learner = LearnerFactory(email="new@example.com", last_login=None)
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invite(learner)
        email = OutboundEmail.objects.get(pk=invitation.email_id)
        assert email.status == "sent" and email.body == "" and email.attempts == 1
        assert len(smtp.messages) == 1 and "/invite/" in smtp.messages[0]
        assert outbox.deliver(email.pk) == "skipped"  # a second delivery of the task
        assert len(smtp.messages) == 1

    def test_a_rolled_back_change_sends_nothing(self, smtp, django_capture_on_commit_callbacks):
        learner = LearnerFactory(last_login=None)
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            invite(learner)
            raise RuntimeError("the change fails after the e-mail was queued")
        assert not OutboundEmail.objects.exists()
        assert smtp.messages == []

    def test_one_message_per_key(self, smtp, django_capture_on_commit_callbacks):
        learner = LearnerFactory()
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(3):
                outbox.enqueue(key="notice:1", to=learner.email, subject="Hi", body="Once")
        assert OutboundEmail.objects.count() == 1 and len(smtp.messages) == 1

    def test_refused_is_retried_then_failed_and_retry_sends_it(
        self, smtp, settings, admin_client, django_capture_on_commit_callbacks
    ):
        settings.OUTBOX_MAX_ATTEMPTS = 3
        settings.OUTBOX_RETRY_BASE_SECONDS = 0  # retries are due at once (tasks run in-process)
        smtp.refuse = True
        learner = LearnerFactory(last_login=None)
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invite(learner)
        email = OutboundEmail.objects.get(pk=invitation.email_id)
        assert (email.status, email.attempts) == ("failed", 3)
        assert "451" in email.last_error
        page = admin_client.get(f"/manage/users/{learner.pk}/details/").content.decode()
        assert "Failed" in page and "Retry" in page
        smtp.refuse = False
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(f"/manage/users/{learner.pk}/emails/{email.pk}/retry/")
        assert response.status_code == 302
        email.refresh_from_db()
        assert email.status == "sent" and len(smtp.messages) == 1

    def test_retry_delays_grow_and_stay_below_the_visibility_timeout(self, settings):
        delays = [outbox.retry_delay(attempt) for attempt in range(1, 12)]
        assert delays == sorted(delays) and delays[0] < delays[3]
        visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        assert max(delays) < visibility

    def test_the_sweeper_sends_what_was_left_behind(self, smtp):
        learner = LearnerFactory()
        stuck = OutboundEmail.objects.create(
            key="left:1", to=learner.email, subject="Hello", body="Left behind"
        )
        abandoned = OutboundEmail.objects.create(
            key="left:2",
            to=learner.email,
            subject="Hello",
            body="Worker died",
            status="sending",
            attempts=1,
            lease_until=timezone.now() - timezone.timedelta(seconds=1),
        )
        assert outbox.sweep() == 2  # tasks run in-process here
        assert {
            e.status for e in OutboundEmail.objects.filter(pk__in=[stuck.pk, abandoned.pk])
        } == {"sent"}
        assert len(smtp.messages) == 2
        assert outbox.sweep() == 0

    def test_retry_of_another_users_email_is_not_found(self, admin_client):
        owner, other = LearnerFactory(), LearnerFactory()
        email = OutboundEmail.objects.create(
            key="x:1", to=owner.email, subject="s", body="b", user=owner, status="failed"
        )
        response = admin_client.post(f"/manage/users/{other.pk}/emails/{email.pk}/retry/")
        assert response.status_code == 404


def start_worker(smtp_port, redis_url=None):
    env = {"EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}", "OUTBOX_LEASE_SECONDS": "2"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    return start_worker_process(**env)


@pytest.fixture
def real_broker():
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    workers = []
    yield workers
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=10)
    celery_app.control.purge()


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_send_still_delivers_exactly_once(smtp, real_broker):
    smtp.stall_seconds = 30  # the first worker hangs in the SMTP conversation
    learner = LearnerFactory(email="once@example.com", last_login=None)
    real_broker.append(start_worker(smtp.port))
    invitation = invite(learner)  # commits: the task goes to Redis
    email = OutboundEmail.objects.get(pk=invitation.email_id)

    def sending():
        email.refresh_from_db()
        return email.status == "sending"

    wait_for(sending, 60, "the worker to start sending")
    real_broker[0].send_signal(signal.SIGKILL)
    real_broker[0].wait(timeout=10)
    assert smtp.messages == []

    smtp.stall_seconds = 0
    real_broker.append(start_worker(smtp.port))
    time.sleep(2.5)  # the dead worker's lease runs out
    assert outbox.sweep() == 1
    wait_for(lambda: len(smtp.messages) >= 1, 120, "the e-mail to arrive")
    time.sleep(1)
    assert len(smtp.messages) == 1 and "once@example.com" in smtp.messages[0]
    email.refresh_from_db()
    assert email.status == "sent" and email.attempts == 2


REQUEST_SCRIPT = """
import re, sys, time
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
from users.models import User
setup_test_environment()
admin, learner = (User.objects.get(pk=int(pk)) for pk in sys.argv[1:3])
client = Client()
client.force_login(admin)
page = client.get(f"/manage/users/{learner.pk}/details/").content.decode()
key = re.search(r'name="request_key" value="([^"]+)"', page).group(1)
started = time.monotonic()
response = client.post(f"/manage/users/{learner.pk}/resend-invite/", {"request_key": key})
print(response.status_code, round(time.monotonic() - started, 1))
"""


@needs_redis
@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
@pytest.mark.django_db(transaction=True)
def test_broker_down_during_the_request_then_the_mail_goes_out(smtp, real_broker):
    """Our own Redis on a spare port, down while an admin clicks Resend Invite."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings",
        "DATABASE_URL": child_database_url(),
        "REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
    }
    admin, learner = AdminFactory(), LearnerFactory(email="later@example.com", last_login=None)
    request = subprocess.run(
        [sys.executable, "-c", REQUEST_SCRIPT, str(admin.pk), str(learner.pk)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    status, seconds = request.stdout.split()[-2:]
    assert status == "302", request.stdout + request.stderr
    assert float(seconds) < 15
    email = OutboundEmail.objects.get(user=learner)
    assert email.status == "pending"  # saved with the change, waiting for the broker

    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _listening(port), 20, "redis to start")
        real_broker.append(start_worker(smtp.port, redis_url=env["REDIS_URL"]))
        sweep = subprocess.run(
            [sys.executable, "manage.py", "send_pending_emails"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "1 e-mails handed to the worker." in sweep.stdout, sweep.stdout + sweep.stderr
        wait_for(lambda: len(smtp.messages) >= 1, 120, "the e-mail to arrive")
        assert len(smtp.messages) == 1 and "later@example.com" in smtp.messages[0]
    finally:
        redis.terminate()
        redis.wait(timeout=10)


def _listening(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.django_db(transaction=True)
def test_sending_an_email_logs_no_broker_warning(caplog, mailoutbox):
    """On the embedded default (no broker) the first e-mail printed a kombu warning about
    a missing AMQP hostname; an e-mail sent in-process logs nothing above INFO."""
    with caplog.at_level("WARNING"), transaction.atomic():
        outbox.enqueue(key="quiet", to="quiet@example.com", subject="Hello", body="Hi")
    assert [message.to for message in mailoutbox] == [["quiet@example.com"]]
    assert [r.getMessage() for r in caplog.records if r.levelname != "INFO"] == []
