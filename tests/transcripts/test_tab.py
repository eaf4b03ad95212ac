"""The Transcript tab, /my/transcript/ and the CSV export."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import Content
from engagement.models import Progress
from tests.factories import LearnerFactory
from tests.transcripts.factories import (
    CertificateFactory,
    CompletedFactory,
    InProgressFactory,
    TranscriptFieldFactory,
    set_value,
)
from transcripts.models import TranscriptField, TranscriptFieldValue, TranscriptSettings
from users.models import ProfileField, ProfileValue

pytestmark = pytest.mark.django_db


def tab_url(user):
    return f"/manage/users/{user.pk}/transcript/"


def configure(columns, **fields):
    settings = TranscriptSettings.load()
    settings.columns = columns
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def csv_rows(response):
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_tab_shows_completed_content_with_header_and_totals(admin_client, learner):
    badge = ProfileField.objects.create(
        kind=ProfileField.Kind.REFERENCE, key="employee-id", label="Employee ID"
    )
    ProfileValue.objects.create(user=learner, field=badge, value="E-4711")
    configure(list(TranscriptSettings.load().columns), learner_fields=["employee-id"])
    done = CompletedFactory(learner=learner, content__title="Fire Safety", time_spent=3600)
    CompletedFactory(learner=learner, content__title="First Aid", time_spent=1800)
    InProgressFactory(learner=learner, content__title="Forklift Driving")
    CompletedFactory(content__title="Someone else's course")
    CertificateFactory(learner=learner, content=done.content, verification_code="ABCD-EFGH-JKLM")

    response = admin_client.get(tab_url(learner))

    assert response.status_code == 200
    page = response.content.decode()
    assert learner.full_name in page
    assert "Employee ID" in page and "E-4711" in page
    assert "Fire Safety" in page and "First Aid" in page
    assert "ABCD-EFGH-JKLM" in page
    assert "Forklift Driving" not in page
    assert "Someone else" not in page
    assert "1 h 30 min" in page  # total time
    assert 'aria-current="page">Transcript<' in page
    assert 'media="print"' in page


def test_in_progress_toggle_adds_in_progress_items(admin_client, learner):
    CompletedFactory(learner=learner, content__title="Fire Safety")
    InProgressFactory(learner=learner, content__title="Forklift Driving", percent=40)

    page = admin_client.get(tab_url(learner) + "?in_progress=1").content.decode()

    assert "Fire Safety" in page
    assert "Forklift Driving" in page and "In progress (40%)" in page
    assert "Show completed only" in page


def test_columns_follow_the_settings_order_and_credits_total(admin_client, learner):
    ceu = TranscriptFieldFactory(name="CEU credits")
    region = TranscriptFieldFactory(name="Accrediting body", kind=TranscriptField.Kind.TEXT)
    first = CompletedFactory(learner=learner, content__title="Fire Safety")
    second = CompletedFactory(learner=learner, content__title="First Aid")
    set_value(ceu, first.content, "1.5")
    set_value(ceu, second.content, "2")
    set_value(region, first.content, "NFPA")
    configure(["credits", "title", region.column_key], credits_field=ceu)

    page = admin_client.get(tab_url(learner)).content.decode()

    headers = page[page.index("<thead>") : page.index("</thead>")]
    assert headers.index("Credits") < headers.index("Content") < headers.index("Accrediting body")
    assert "Score" not in headers and "Kind" not in headers
    assert "NFPA" in page
    assert "Total credits" in page
    totals = page[page.index("transcript-totals") :]
    assert "3.5" in totals


def test_empty_transcript_has_an_empty_state(admin_client, learner):
    page = admin_client.get(tab_url(learner)).content.decode()
    assert "No completed content yet" in page


def test_unknown_learner_is_404(admin_client):
    assert admin_client.get("/manage/users/999999/transcript/").status_code == 404


def fill(learner, count):
    contents = Content.objects.bulk_create(
        Content(title=f"Bulk {learner.pk}-{n}", slug=f"bulk-{learner.pk}-{n}") for n in range(count)
    )
    now = timezone.now()
    Progress.objects.bulk_create(
        Progress(
            learner=learner,
            content=content,
            status=Progress.Status.COMPLETED,
            percent=100,
            time_spent=60 * n,
            completed_at=now - datetime.timedelta(hours=n),
            score=70,
        )
        for n, content in enumerate(contents)
    )
    for n, content in enumerate(contents):
        if n % 2 == 0:
            CertificateFactory(
                learner=learner, content=content, verification_code=f"C{learner.pk}-{n}"
            )
    field = TranscriptField.objects.get_or_create(name="CEU credits", kind="number")[0]
    TranscriptFieldValue.objects.bulk_create(
        TranscriptFieldValue(field=field, content=content, value="1") for content in contents
    )
    return field


def test_tab_costs_the_same_queries_with_no_row_1_or_200(admin_client):
    empty, small, big = LearnerFactory(), LearnerFactory(), LearnerFactory()
    field = fill(small, 1)
    fill(big, 200)
    configure(
        [
            "title",
            "kind",
            "completed_at",
            "score",
            "time_spent",
            "certificate_code",
            "certificate_expires",
            "credits",
            field.column_key,
        ],
        credits_field=field,
    )
    admin_client.get(tab_url(small))  # warm the session and settings row

    counts = {}
    for learner in (empty, small, big):
        for query in ("", "?in_progress=1"):
            with CaptureQueriesContext(connection) as queries:
                response = admin_client.get(tab_url(learner) + query)
            assert response.status_code == 200
            counts[learner.pk, query] = len(queries)

    assert len(set(counts.values())) == 1, counts
    assert counts[empty.pk, ""] <= 17  # 14, and the record header's summary line (3)
    page = response.content.decode()
    assert page.count("<tr>") == 201
    assert f"C{big.pk}-0" in page and f"C{big.pk}-1<" not in page  # certificates: even rows


def test_csv_has_the_same_columns_streamed(admin_client, learner):
    ceu = TranscriptFieldFactory(name="CEU credits")
    done = CompletedFactory(
        learner=learner,
        content__title="Fire Safety",
        completed_at=timezone.make_aware(datetime.datetime(2026, 3, 4, 12)),
    )
    set_value(ceu, done.content, "1.5")
    InProgressFactory(learner=learner, content__title="Forklift Driving")
    configure(["title", "completed_at", ceu.column_key])

    response = admin_client.get(tab_url(learner) + "csv/")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert csv_rows(response) == [
        ["Content", "Completed", "CEU credits"],
        ["Fire Safety", "2026-03-04", "1.5"],
    ]
    with_in_progress = csv_rows(admin_client.get(tab_url(learner) + "csv/?in_progress=1"))
    assert [row[0] for row in with_in_progress] == ["Content", "Fire Safety", "Forklift Driving"]


def test_csv_neutralises_spreadsheet_formulas(admin_client, learner):
    CompletedFactory(learner=learner, content__title='=HYPERLINK("http://evil.example")')
    configure(["title"])
    rows = csv_rows(admin_client.get(tab_url(learner) + "csv/"))
    assert rows[1] == ['\'=HYPERLINK("http://evil.example")']


def test_learner_sees_their_own_transcript(learner_client, learner):
    CompletedFactory(learner=learner, content__title="Fire Safety")
    CompletedFactory(content__title="Someone else's course")

    response = learner_client.get("/my/transcript/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Fire Safety" in page and "Someone else" not in page
    assert "Export PDF" in page and "Print" in page
    rows = csv_rows(learner_client.get("/my/transcript/csv/"))
    assert [row[0] for row in rows[1:]] == ["Fire Safety"]


def test_my_transcript_needs_sign_in(client):
    response = client.get("/my/transcript/")
    assert response.status_code == 302
    assert response.url.startswith("/sign_in")


def test_learner_cannot_open_the_manage_tab(learner_client, learner):
    assert learner_client.get(tab_url(learner)).status_code == 403
    assert learner_client.get(tab_url(learner) + "csv/").status_code == 403


def test_support_may_view_the_tab(support_client, learner):
    CompletedFactory(learner=learner, content__title="Fire Safety")
    assert support_client.get(tab_url(learner)).status_code == 200


def test_html_in_titles_is_escaped(admin_client, learner):
    CompletedFactory(learner=learner, content__title='<img src="x" onerror="alert(1)">')
    page = admin_client.get(tab_url(learner)).content.decode()
    assert '<img src="x"' not in page
    assert "&lt;img" in page


def test_score_is_the_best_passed_attempt_in_tab_csv_and_pdf(
    admin_client, learner, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Activity shows a passed 88% attempt: the transcript's Score says 88 everywhere."""
    from tests.activity.factories import AssessmentFactory, AttemptFactory
    from tests.transcripts.test_pdf import body, pdf_text
    from transcripts.models import TranscriptExport

    settings.MEDIA_ROOT = tmp_path / "media"
    configure(["title", "score"])
    done = CompletedFactory(learner=learner, content__title="Fire Safety", score=None)
    exam = AssessmentFactory(content=done.content, passing_score=70)
    AttemptFactory(learner=learner, assessment=exam, score=55, passed=False)
    AttemptFactory(learner=learner, assessment=exam, score=88, passed=True)
    forgiven = AttemptFactory(learner=learner, assessment=exam, score=99, passed=True)
    forgiven.forgiven_at = timezone.now()
    forgiven.save()
    AttemptFactory(assessment=exam, score=100, passed=True)  # someone else's
    CompletedFactory(learner=learner, content__title="No Exam Here", score=None)

    page = admin_client.get(tab_url(learner)).content.decode()
    assert '<td>Fire Safety</td><td class="num">88</td>' in page
    assert '<td>No Exam Here</td><td class="num"></td>' in page

    rows = csv_rows(admin_client.get(tab_url(learner) + "csv/"))
    assert ["Fire Safety", "88"] in rows and ["No Exam Here", ""] in rows

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(tab_url(learner) + "pdf/")
    export = TranscriptExport.objects.get(learner=learner)
    text = pdf_text(body(admin_client.get(tab_url(learner) + f"pdf/{export.pk}/download/")))
    assert "Fire Safety 88" in " ".join(text.split())
