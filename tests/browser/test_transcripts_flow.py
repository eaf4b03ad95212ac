"""Transcript tab in Chromium: Export PDF, wait for the link (htmx polling), download it."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect
from pypdf import PdfReader

from lms.celery import app as celery_app
from tests.factories import PASSWORD, AdminFactory, LearnerFactory
from tests.transcripts.factories import CompletedFactory, InProgressFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pdf_worker(settings, tmp_path):
    """A real Celery worker when a broker is configured (the page then polls), else eager."""
    settings.MEDIA_ROOT = tmp_path / "media"
    if not django_settings.REDIS_URL:
        yield
        return
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def test_export_the_transcript_as_pdf(page, live_server, sign_in, check_a11y, pdf_worker):
    admin = AdminFactory()
    learner = LearnerFactory(first_name="Ada", last_name="Lovelace")
    CompletedFactory(learner=learner, content__title="Analytical Engines 101")
    InProgressFactory(learner=learner, content__title="Difference Engines")

    sign_in(page, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/manage/users/{learner.pk}/details/")
    page.get_by_role("navigation", name="User record").get_by_role(
        "link", name="Transcript"
    ).click()
    expect(page).to_have_url(re.compile(r"/transcript/$"))
    transcript = page.locator("article.transcript")
    expect(transcript).to_contain_text("Ada Lovelace")
    expect(transcript).to_contain_text("Analytical Engines 101")
    expect(transcript).not_to_contain_text("Difference Engines")
    check_a11y(page)

    page.get_by_role("link", name="Include in-progress content").click()
    expect(transcript).to_contain_text("Difference Engines")
    page.get_by_role("link", name="Show completed only").click()

    page.get_by_role("button", name="Export PDF").click()
    link = page.get_by_role("link", name="Download PDF")
    expect(link).to_be_visible(timeout=30_000)
    check_a11y(page)
    with page.expect_download() as download_info:
        link.click()
    data = Path(download_info.value.path()).read_bytes()

    assert data.startswith(b"%PDF-")
    assert download_info.value.suggested_filename.endswith(".pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Ada Lovelace" in text and "Analytical Engines 101" in text


def test_the_learner_prints_their_own_transcript(page, live_server, sign_in, check_a11y):
    learner = LearnerFactory(first_name="Grace", last_name="Hopper")
    CompletedFactory(learner=learner, content__title="Compilers")
    sign_in(page, learner.email, PASSWORD)
    page.goto(f"{live_server.url}/my/transcript/")
    expect(page.locator("article.transcript")).to_contain_text("Compilers")
    check_a11y(page)
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Export PDF")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.locator("article.transcript")).to_contain_text("Grace Hopper")


def test_settings_certification_choose_columns_and_add_ceu_credits(
    page, live_server, sign_in, check_a11y
):
    admin = AdminFactory()
    learner = LearnerFactory(first_name="Ada", last_name="Lovelace")
    done = CompletedFactory(learner=learner, content__title="Analytical Engines 101")

    sign_in(page, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/manage/settings/certification/")
    check_a11y(page)
    page.get_by_label("Field name").fill("CEU credits")
    page.get_by_label("Field kind").select_option("number")
    page.get_by_role("button", name="Add field").click()
    expect(page.get_by_role("heading", name="CEU credits")).to_be_visible()
    check_a11y(page)
    page.get_by_label(done.content.title).fill("2.5")
    page.get_by_role("button", name="Save values").click()
    expect(page.get_by_text("1 value(s) of CEU credits saved")).to_be_visible()

    page.goto(f"{live_server.url}/manage/settings/certification/")
    page.get_by_label("Transcript title").fill("Official Transcript")
    page.get_by_label("Credits come from").select_option(label="CEU credits")
    page.get_by_label("Show Kind").uncheck()
    page.get_by_label("Show Credits").check()
    page.get_by_label("Position of Credits").fill("1")
    page.get_by_label("Position of Content").fill("2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Certification settings saved:")).to_be_visible()

    page.goto(f"{live_server.url}/manage/users/{learner.pk}/transcript/")
    headers = page.locator("article.transcript thead th").all_inner_texts()
    assert headers[0] == "Credits" and "Kind" not in headers and "CEU credits" in headers
    expect(page.locator("article.transcript")).to_contain_text("Official Transcript")
    expect(page.locator(".transcript-totals")).to_contain_text("2.5")
