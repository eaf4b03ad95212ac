"""A worker process killed mid-render (SIGKILL) leaves the export retryable, not stuck."""

import datetime
import signal
from pathlib import Path

import pytest
from django.utils import timezone

from lms.celery import app as celery_app
from tests.factories import AdminFactory, LearnerFactory
from tests.transcripts.test_tab import fill
from tests.workers import start_worker_process, wait_for
from transcripts import services
from transcripts.models import STALE_RENDERING_AFTER, TranscriptExport

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_process(tmp_path):
    """A real `celery worker` process on the test database; killed by the test."""
    celery_app.control.purge()
    process = start_worker_process(MEDIA_ROOT=str(tmp_path / "media"))
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    celery_app.control.purge()


def test_killed_mid_render_then_retried(client, settings, tmp_path, worker_process):
    settings.MEDIA_ROOT = tmp_path / "media"
    admin, learner = AdminFactory(), LearnerFactory(first_name="Ada", last_name="Lovelace")
    fill(learner, 400)  # a few seconds of rendering: time to kill the worker mid-way
    celery_app.conf.task_always_eager = False
    try:
        export, _ = services.export_request(learner=learner, actor=admin)
    finally:
        celery_app.conf.task_always_eager = True

    def rendering():
        export.refresh_from_db()
        return export.status == TranscriptExport.Status.RENDERING

    wait_for(rendering, 60, "the worker to start rendering")
    worker_process.send_signal(signal.SIGKILL)
    worker_process.wait(timeout=10)

    export.refresh_from_db()
    assert export.status == TranscriptExport.Status.RENDERING and not export.file
    client.force_login(admin)
    tab = f"/manage/users/{learner.pk}/transcript/"
    assert "PDF rendering" in client.get(tab).content.decode()

    # Past the task's time limit nobody is rendering it any more: it reads as failed.
    TranscriptExport.objects.filter(pk=export.pk).update(
        started_at=timezone.now() - STALE_RENDERING_AFTER - datetime.timedelta(seconds=1)
    )
    page = client.get(tab).content.decode()
    assert "could not be made" in page and "Retry" in page

    response = client.post(tab + "pdf/")  # Retry (tasks run in-process here)

    assert response.status_code == 302
    export.refresh_from_db()
    assert export.status == TranscriptExport.Status.FAILED
    retried = TranscriptExport.objects.filter(learner=learner).first()
    assert retried.pk != export.pk and retried.status == TranscriptExport.Status.READY
