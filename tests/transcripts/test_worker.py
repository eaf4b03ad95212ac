"""The PDF export through a real Celery worker on Redis (CI sets REDIS_URL)."""

import io
import time

import pytest
from pypdf import PdfReader

from lms.celery import app as celery_app
from tests.factories import LearnerFactory
from tests.transcripts.factories import CompletedFactory
from transcripts.models import TranscriptExport

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
]


@pytest.fixture
def celery_worker(settings, tmp_path):
    from celery.contrib.testing.worker import start_worker

    settings.MEDIA_ROOT = tmp_path / "media"
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def wait_until_finished(export_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        export = TranscriptExport.objects.get(pk=export_id)
        if export.status in (TranscriptExport.Status.READY, TranscriptExport.Status.FAILED):
            return export
        time.sleep(0.2)
    raise AssertionError(f"export still {export.status} after {timeout}s")


def test_export_pdf_goes_through_the_worker(client, admin_user, celery_worker):
    learner = LearnerFactory(first_name="Katherine", last_name="Johnson")
    CompletedFactory(learner=learner, content__title="Orbital Mechanics")
    client.force_login(admin_user)

    response = client.post(f"/manage/users/{learner.pk}/transcript/pdf/")
    again = client.post(f"/manage/users/{learner.pk}/transcript/pdf/")

    assert response.status_code == again.status_code == 302
    export = wait_until_finished(TranscriptExport.objects.get(learner=learner).pk)
    assert export.status == TranscriptExport.Status.READY, export.error
    assert TranscriptExport.objects.filter(learner=learner).count() == 1
    status = client.get(f"/manage/users/{learner.pk}/transcript/pdf/{export.pk}/status/")
    assert "Download PDF" in status.content.decode()
    download = client.get(f"/manage/users/{learner.pk}/transcript/pdf/{export.pk}/download/")
    data = b"".join(download.streaming_content)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Katherine Johnson" in text and "Orbital Mechanics" in text
