"""PDF export: the request, the render task, status, retry, downloads and who may have them."""

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from tests.factories import AdminFactory, LearnerFactory, SupportFactory
from tests.transcripts.factories import CompletedFactory
from transcripts import services
from transcripts.models import TranscriptExport
from transcripts.tasks import render_transcript_pdf
from users.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_text(data):
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def body(response):
    return b"".join(response.streaming_content)


def tab_url(user):
    return f"/manage/users/{user.pk}/transcript/"


def export_pdf(client, learner, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(tab_url(learner) + "pdf/", data)


def test_export_pdf_renders_and_downloads(
    admin_client, admin_user, django_capture_on_commit_callbacks
):
    learner = LearnerFactory(first_name="Ada", last_name="Lovelace")
    CompletedFactory(learner=learner, content__title="Analytical Engines 101")

    response = export_pdf(admin_client, learner, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    export = TranscriptExport.objects.get(learner=learner)
    assert export.status == TranscriptExport.Status.READY
    assert export.requested_by == admin_user
    assert export.started_at and export.finished_at and export.attempts == 1
    page = admin_client.get(tab_url(learner)).content.decode()
    assert "Download PDF" in page and "hx-trigger" not in page
    download = admin_client.get(tab_url(learner) + f"pdf/{export.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    text = pdf_text(body(download))
    assert "Ada Lovelace" in text
    assert "Analytical Engines 101" in text
    event = AuditEvent.objects.get(action="transcripts.pdf_requested")
    assert event.subject == learner and event.actor == admin_user


def test_the_file_name_is_not_guessable(admin_user, django_capture_on_commit_callbacks):
    learner = LearnerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        export, _ = services.export_request(learner=learner, actor=admin_user)
    export.refresh_from_db()
    name = export.file.name
    assert name.startswith("transcripts/") and name.endswith(".pdf")
    assert len(name.removeprefix("transcripts/").removesuffix(".pdf")) >= 40
    assert default_storage.exists(name)


def test_a_queued_export_shows_its_status_and_polls(admin_client, admin_user):
    learner = LearnerFactory()
    export, created = services.export_request(learner=learner, actor=admin_user)  # not committed
    assert created

    page = admin_client.get(tab_url(learner)).content.decode()
    assert "PDF queued" in page
    assert 'hx-trigger="every 2s"' in page
    status_url = tab_url(learner) + f"pdf/{export.pk}/status/"
    assert f'hx-get="{status_url}"' in page
    fragment = admin_client.get(status_url).content.decode()
    assert "PDF queued" in fragment and 'hx-trigger="every 2s"' in fragment
    assert "<html" not in fragment


def test_the_same_request_twice_while_running_returns_the_running_one(admin_user):
    learner = LearnerFactory()
    first, created = services.export_request(learner=learner, actor=admin_user)
    second, created_again = services.export_request(learner=learner, actor=admin_user)
    assert created and not created_again
    assert first.pk == second.pk
    assert TranscriptExport.objects.filter(learner=learner).count() == 1
    assert AuditEvent.objects.filter(action="transcripts.pdf_requested").count() == 1


def test_the_render_is_idempotent(admin_user, django_capture_on_commit_callbacks):
    learner = LearnerFactory()
    CompletedFactory(learner=learner)
    with django_capture_on_commit_callbacks(execute=True):
        export, _ = services.export_request(learner=learner, actor=admin_user)
    export.refresh_from_db()
    name = export.file.name

    render_transcript_pdf(export.pk)  # delivered twice (acks_late)

    export.refresh_from_db()
    assert export.status == TranscriptExport.Status.READY
    assert export.file.name == name and export.attempts == 1


def test_a_worker_killed_mid_render_leaves_the_export_retryable(
    admin_client, admin_user, django_capture_on_commit_callbacks
):
    learner = LearnerFactory(first_name="Grace", last_name="Hopper")
    CompletedFactory(learner=learner, content__title="Compilers")
    export, _ = services.export_request(learner=learner, actor=admin_user)
    # The worker claimed it and died: no finish, started long ago.
    TranscriptExport.objects.filter(pk=export.pk).update(
        status=TranscriptExport.Status.RENDERING,
        started_at=timezone.now() - datetime.timedelta(minutes=10),
    )

    page = admin_client.get(tab_url(learner)).content.decode()
    assert "could not be made" in page and "Retry" in page
    assert "hx-trigger" not in page

    response = export_pdf(admin_client, learner, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    export.refresh_from_db()
    assert export.status == TranscriptExport.Status.FAILED
    retried = TranscriptExport.objects.filter(learner=learner).first()
    assert retried.pk != export.pk and retried.status == TranscriptExport.Status.READY


def test_a_redelivered_task_takes_over_a_stale_render(admin_user):
    learner = LearnerFactory()
    CompletedFactory(learner=learner)
    export, _ = services.export_request(learner=learner, actor=admin_user)
    TranscriptExport.objects.filter(pk=export.pk).update(
        status=TranscriptExport.Status.RENDERING,
        started_at=timezone.now() - datetime.timedelta(minutes=10),
        attempts=1,
    )
    render_transcript_pdf(export.pk)
    export.refresh_from_db()
    assert export.status == TranscriptExport.Status.READY and export.attempts == 2


def test_a_live_render_is_not_taken_over(admin_user):
    learner = LearnerFactory()
    export, _ = services.export_request(learner=learner, actor=admin_user)
    TranscriptExport.objects.filter(pk=export.pk).update(
        status=TranscriptExport.Status.RENDERING, started_at=timezone.now()
    )
    render_transcript_pdf(export.pk)
    export.refresh_from_db()
    assert export.status == TranscriptExport.Status.RENDERING and not export.file


def test_a_failed_render_is_shown_with_retry(
    admin_client, admin_user, settings, tmp_path, django_capture_on_commit_callbacks
):
    learner = LearnerFactory()
    CompletedFactory(learner=learner)
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("media storage is broken")
    settings.MEDIA_ROOT = blocked
    with django_capture_on_commit_callbacks(execute=True):
        export, _ = services.export_request(learner=learner, actor=admin_user)
    export.refresh_from_db()
    assert export.status == TranscriptExport.Status.FAILED
    assert "could not be made" in export.error
    page = admin_client.get(tab_url(learner)).content.decode()
    assert "could not be made" in page and "Retry" in page
    assert admin_client.get(tab_url(learner) + f"pdf/{export.pk}/download/").status_code == 404

    settings.MEDIA_ROOT = tmp_path / "media"
    export_pdf(admin_client, learner, django_capture_on_commit_callbacks)
    assert TranscriptExport.objects.filter(learner=learner).first().status == "ready"


def test_get_on_export_is_not_allowed(admin_client, learner):
    assert admin_client.get(tab_url(learner) + "pdf/").status_code == 405


@pytest.fixture
def ready_export(admin_user, django_capture_on_commit_callbacks):
    learner = LearnerFactory(first_name="Ada", last_name="Lovelace")
    CompletedFactory(learner=learner, content__title="Analytical Engines 101")
    with django_capture_on_commit_callbacks(execute=True):
        export, _ = services.export_request(learner=learner, actor=admin_user)
    export.refresh_from_db()
    return export


def test_the_learner_downloads_their_own_pdf(client, ready_export):
    client.force_login(ready_export.learner)
    page = client.get("/my/transcript/").content.decode()
    url = f"/my/transcript/pdf/{ready_export.pk}/download/"
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    assert "Ada Lovelace" in pdf_text(body(response))


def test_another_learner_gets_nothing(client, ready_export):
    client.force_login(LearnerFactory())
    assert client.get(f"/my/transcript/pdf/{ready_export.pk}/download/").status_code == 404
    assert client.get(f"/my/transcript/pdf/{ready_export.pk}/status/").status_code == 404
    url = f"/manage/users/{ready_export.learner_id}/transcript/pdf/{ready_export.pk}/download/"
    assert client.get(url).status_code == 403


def test_anonymous_gets_nothing(client, ready_export):
    for url in (
        f"/my/transcript/pdf/{ready_export.pk}/download/",
        f"/manage/users/{ready_export.learner_id}/transcript/pdf/{ready_export.pk}/download/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/sign_in")


def test_support_downloads_a_learners_pdf(client, ready_export):
    client.force_login(SupportFactory())
    url = f"/manage/users/{ready_export.learner_id}/transcript/pdf/{ready_export.pk}/download/"
    response = client.get(url)
    assert response.status_code == 200
    assert "Ada Lovelace" in pdf_text(body(response))


def test_the_export_must_belong_to_the_record(admin_client, ready_export):
    other = LearnerFactory()
    url = f"/manage/users/{other.pk}/transcript/pdf/{ready_export.pk}/download/"
    assert admin_client.get(url).status_code == 404


def test_the_learner_exports_from_my_transcript(client, django_capture_on_commit_callbacks):
    learner = LearnerFactory(first_name="Ada", last_name="Lovelace")
    CompletedFactory(learner=learner, content__title="Analytical Engines 101")
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/my/transcript/pdf/")
    assert response.status_code == 302 and response.url == "/my/transcript/"
    export = TranscriptExport.objects.get(learner=learner)
    assert export.status == "ready" and export.requested_by == learner
    text = pdf_text(body(client.get(f"/my/transcript/pdf/{export.pk}/download/")))
    assert "Analytical Engines 101" in text


def test_support_may_not_export_an_admins_transcript(support_client):
    admin = AdminFactory()
    response = support_client.post(tab_url(admin) + "pdf/")
    assert response.status_code == 403
    assert not TranscriptExport.objects.exists()


def test_in_progress_export_includes_in_progress_items(
    admin_client, django_capture_on_commit_callbacks
):
    from tests.transcripts.factories import InProgressFactory

    learner = LearnerFactory()
    InProgressFactory(learner=learner, content__title="Forklift Driving")
    export_pdf(admin_client, learner, django_capture_on_commit_callbacks, in_progress="1")
    export = TranscriptExport.objects.get(learner=learner)
    assert export.include_in_progress
    text = pdf_text(body(admin_client.get(tab_url(learner) + f"pdf/{export.pk}/download/")))
    assert "Forklift Driving" in text


def test_support_exports_a_learners_transcript(
    support_client, support_user, django_capture_on_commit_callbacks
):
    learner = LearnerFactory()
    CompletedFactory(learner=learner)
    response = export_pdf(support_client, learner, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    export = TranscriptExport.objects.get(learner=learner)
    assert export.status == "ready" and export.requested_by == support_user


def test_the_render_task_has_time_limits():
    assert render_transcript_pdf.name == "transcripts.tasks.render_transcript_pdf"
    assert 0 < render_transcript_pdf.soft_time_limit < render_transcript_pdf.time_limit
    assert render_transcript_pdf.acks_late


def test_an_export_lost_in_the_queue_becomes_retryable(admin_client, admin_user):
    learner = LearnerFactory()
    export, _ = services.export_request(learner=learner, actor=admin_user)
    TranscriptExport.objects.filter(pk=export.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=2)
    )
    page = admin_client.get(tab_url(learner)).content.decode()
    assert "Retry" in page and "hx-trigger" not in page
    render_transcript_pdf(export.pk)  # the long-lost message finally arrives: ignored
    export.refresh_from_db()
    assert export.status == TranscriptExport.Status.QUEUED and not export.file
    retried, created = services.export_request(learner=learner, actor=admin_user)
    export.refresh_from_db()
    assert created and export.status == TranscriptExport.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_message_says_the_pdf_is_ready(admin_client):
    """On the embedded default the render runs on commit, inside the request: no "being made"."""
    learner = LearnerFactory()
    CompletedFactory(learner=learner, content__title="Analytical Engines 101")

    response = admin_client.post(tab_url(learner) + "pdf/", follow=True)

    page = response.content.decode()
    assert TranscriptExport.objects.get(learner=learner).status == TranscriptExport.Status.READY
    assert "The PDF is ready" in page and "Download PDF" in page
    assert "being made" not in page


def test_while_the_render_is_queued_the_message_says_it_is_being_made(admin_client):
    learner = LearnerFactory()

    response = admin_client.post(tab_url(learner) + "pdf/", follow=True)  # on_commit not run

    page = response.content.decode()
    assert "The PDF is being made" in page and "PDF queued" in page
    assert "The PDF is ready" not in page
