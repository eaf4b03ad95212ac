"""Two Export PDF clicks at once (two threads, PostgreSQL): one export, one render."""

import threading

import pytest
from django.db import close_old_connections

from tests.factories import AdminFactory, LearnerFactory
from transcripts import services
from transcripts.models import TranscriptExport
from users.models import AuditEvent

# PostgreSQL only: two requests at once (SQLite locks whole tables).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_two_simultaneous_requests_make_one_export():
    admin, learner = AdminFactory(), LearnerFactory()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def click():
        try:
            barrier.wait(timeout=5)
            results.append(services.export_request(learner=learner, actor=admin)[0].pk)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert len(results) == 2 and results[0] == results[1]
    assert TranscriptExport.objects.filter(learner=learner).count() == 1
    assert AuditEvent.objects.filter(action="transcripts.pdf_requested").count() == 1
