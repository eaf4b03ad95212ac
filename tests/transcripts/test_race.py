"""Two Export PDF clicks at once (two threads, PostgreSQL): one export, one render."""

import pytest

from tests.factories import AdminFactory, LearnerFactory
from tests.races import all_at_once
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
    results = all_at_once(2, lambda: services.export_request(learner=learner, actor=admin)[0].pk)

    assert len(results) == 2 and results[0] == results[1]
    assert TranscriptExport.objects.filter(learner=learner).count() == 1
    assert AuditEvent.objects.filter(action="transcripts.pdf_requested").count() == 1
