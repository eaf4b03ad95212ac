"""The two reports: filters, keyset pages, streamed CSV, impersonation, fixed query counts."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement import services
from engagement.action_log import LOG_SOURCES
from engagement.models import ContentAction
from engagement.selectors import PAGE_SIZE
from tests.engagement.factories import ContentActionFactory, ContentFactory, ProgressFactory, grant
from tests.factories import LearnerFactory
from tests.transcripts.factories import CertificateFactory
from users import audit

pytestmark = pytest.mark.django_db

LOG = "/manage/reports/content-actions/"
PROGRESS = "/manage/reports/learner-progress/"
Action = ContentAction.Action


def at(day, hour=12):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour))


def emails(response):
    return [row.learner.email for row in response.context["rows"]]


def read_csv(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def log():
    """Two learners, two courses, actions over three days."""
    ana = LearnerFactory(email="ana@example.com")
    ben = LearnerFactory(email="ben@example.com")
    sales, safety = ContentFactory(title="Sales"), ContentFactory(title="Safety")
    today = timezone.localdate()
    ContentActionFactory(learner=ana, content=sales, action=Action.VIEWED, occurred_at=at(today))
    ContentActionFactory(
        learner=ana, content=safety, action=Action.COMPLETED, occurred_at=at(today, 13)
    )
    ContentActionFactory(
        learner=ben, content=sales, action=Action.VIEWED, occurred_at=at(today - timedelta(2))
    )
    return {"ana": ana, "ben": ben, "sales": sales, "safety": safety, "today": today}


def test_the_email_in_the_address_prefills_and_filters(admin_client, log):
    response = admin_client.get(LOG, {"email": "ana@example.com"})
    assert response.status_code == 200
    assert emails(response) == ["ana@example.com", "ana@example.com"]
    assert 'value="ana@example.com"' in response.content.decode()
    assert emails(admin_client.get(LOG, {"email": " ANA@Example.com "})) == emails(response)


def test_unfiltered_shows_everyone_newest_first(admin_client, log):
    response = admin_client.get(LOG)
    assert emails(response) == ["ana@example.com", "ana@example.com", "ben@example.com"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"action": "completed"}, ["ana@example.com"]),
        ({"content": "SALES"}, ["ana@example.com", "ben@example.com"]),
        ({"date_from": "TODAY"}, ["ana@example.com", "ana@example.com"]),
        ({"date_to": "YESTERDAY"}, ["ben@example.com"]),
        ({"email": "nobody@example.com"}, []),
        ({"email": "ben@example.com", "action": "completed"}, []),
    ],
)
def test_filters(admin_client, log, params, expected):
    values = {
        "SALES": str(log["sales"].pk),
        "TODAY": log["today"].isoformat(),
        "YESTERDAY": (log["today"] - timedelta(1)).isoformat(),
    }
    params = {key: values.get(value, value) for key, value in params.items()}
    assert emails(admin_client.get(LOG, params)) == expected


@pytest.mark.parametrize(
    "params, field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a" * 300 + "@example.com"}, "email"),
        ({"content": "abc"}, "content"),
        ({"content": "-5"}, "content"),
        ({"content": "9" * 40}, "content"),
        ({"action": "hacked"}, "action"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"date_from": "2026-02-30"}, "date_from"),
        ({"date_from": "2024-05-02", "date_to": "2024-05-01"}, "date_to"),
        ({"impersonated": "maybe"}, "impersonated"),
        ({"email": "a\x00b@example.com"}, "email"),
        ({"date_to": "2024-01-01\x00"}, "date_to"),
    ],
)
def test_bad_filters_get_a_field_message_never_a_500(admin_client, log, params, field):
    response = admin_client.get(LOG, params)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert 'class="field-error"' in response.content.decode()
    assert response.context["rows"] == []
    csv_response = admin_client.get(LOG, {**params, "export": "csv"})
    assert csv_response.status_code == 400


@pytest.mark.parametrize("cursor", ["garbage", "W10", "%%%", "WyJhZnRlciIsIFsxXV0"])
def test_a_bad_cursor_is_the_first_page(admin_client, log, cursor):
    response = admin_client.get(LOG, {"cursor": cursor})
    assert response.status_code == 200
    first = admin_client.get(LOG)
    assert response.context["rows"] and response.context["rows"] == first.context["rows"]


def test_keyset_pages_forward_and_back_with_no_offset_or_count(admin_client, learner):
    content = ContentFactory()
    moment = timezone.now()
    ContentAction.objects.bulk_create(
        ContentAction(
            learner=learner,
            content=content,
            action=Action.VIEWED,
            # pairs share a timestamp: the id breaks the tie
            occurred_at=moment - timedelta(minutes=n // 2),
        )
        for n in range(PAGE_SIZE * 2 + 7)
    )
    with CaptureQueriesContext(connection) as queries:
        first = admin_client.get(LOG, {"email": learner.email})
    sql = " ".join(query["sql"].upper() for query in queries)
    assert "OFFSET" not in sql and "COUNT(" not in sql
    second = admin_client.get(
        LOG, {"email": learner.email, "cursor": first.context["page"].next_cursor}
    )
    third = admin_client.get(
        LOG, {"email": learner.email, "cursor": second.context["page"].next_cursor}
    )
    seen = [row.pk for response in (first, second, third) for row in response.context["rows"]]
    assert len(seen) == len(set(seen)) == PAGE_SIZE * 2 + 7
    assert third.context["page"].next_cursor is None
    back = admin_client.get(
        LOG, {"email": learner.email, "cursor": second.context["page"].previous_cursor}
    )
    assert [row.pk for row in back.context["rows"]] == [row.pk for row in first.context["rows"]]
    assert 'rel="next"' in second.content.decode() and "email=" in second.content.decode()


def test_the_csv_export_is_streamed_with_headers_and_every_row(admin_client, log):
    response = admin_client.get(LOG, {"email": "ana@example.com", "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="content-actions.csv"'
    rows = read_csv(response)
    assert rows[0] == [
        "When (UTC)",
        "Learner e-mail",
        "Content",
        "Action",
        "Impersonated by",
        "Details",
    ]
    assert [(row[1], row[2], row[3]) for row in rows[1:]] == [
        ("ana@example.com", "Safety", "Completed"),
        ("ana@example.com", "Sales", "Viewed"),
    ]


@pytest.mark.postgres  # a named (server-side) cursor is PostgreSQL's
def test_the_csv_export_reads_the_log_in_chunks_from_a_server_side_cursor(admin_client, log):
    response = admin_client.get(LOG, {"export": "csv"})
    with CaptureQueriesContext(connection) as queries:
        rows = read_csv(response)
    assert len(rows) == 4
    assert any("DECLARE" in query["sql"].upper() for query in queries)  # a named cursor


def test_the_page_links_to_the_export_with_the_same_filters(admin_client, log):
    page = admin_client.get(LOG, {"email": "ana@example.com"}).content.decode()
    assert "?email=ana%40example.com&amp;export=csv" in page


def test_impersonated_actions_are_left_out_by_default_and_marked_when_included(
    admin_client, admin_user, learner
):
    content = ContentFactory(title="Safety")
    grant(learner, content)
    token = audit.bind_request(ip_address=None, user_agent="", real_actor_id=admin_user.pk)
    try:
        services.content_open(learner=learner, content=content)
    finally:
        audit.unbind_request(token)
    services.content_complete(learner=learner, content=content)

    default = admin_client.get(LOG, {"email": learner.email})
    assert [row.action for row in default.context["rows"]] == [Action.COMPLETED]

    included = admin_client.get(LOG, {"email": learner.email, "impersonated": "include"})
    assert [row.action for row in included.context["rows"]] == [
        Action.COMPLETED,
        Action.STARTED,
        Action.VIEWED,
    ]
    assert f"<strong>Impersonated</strong> by {admin_user.email}" in included.content.decode()

    only = admin_client.get(LOG, {"email": learner.email, "impersonated": "only", "export": "csv"})
    rows = read_csv(only)
    assert [row[4] for row in rows[1:]] == [admin_user.email, admin_user.email]

    tab = admin_client.get(f"/manage/users/{learner.pk}/engagement/")
    assert sum(bar["count"] for bar in tab.context["chart"]["bars"]) == 1


def test_the_progress_report_filters_pages_and_exports(admin_client):
    ana, ben = LearnerFactory(email="ana@example.com"), LearnerFactory(email="ben@example.com")
    sales = ContentFactory(title="Sales")
    ProgressFactory(learner=ana, content=sales, percent=40, time_spent=120)
    ProgressFactory(
        learner=ben,
        status="completed",
        percent=100,
        completed_at=timezone.now(),
        completion_source="manual",
    )
    response = admin_client.get(PROGRESS, {"email": "ana@example.com"})
    assert emails(response) == ["ana@example.com"]
    assert "Sales" in response.content.decode() and "40%" in response.content.decode()
    assert emails(admin_client.get(PROGRESS, {"status": "completed"})) == ["ben@example.com"]
    assert emails(admin_client.get(PROGRESS, {"content": sales.pk})) == ["ana@example.com"]
    assert admin_client.get(PROGRESS, {"status": "bogus"}).status_code == 400
    rows = read_csv(admin_client.get(PROGRESS, {"export": "csv"}))
    assert rows[0][:4] == ["Learner e-mail", "Content", "Status", "Percent"]
    assert {(row[0], row[2], row[8]) for row in rows[1:]} == {
        ("ana@example.com", "In progress", ""),
        ("ben@example.com", "Completed", "Marked by staff"),
    }


def test_customer_service_reads_the_reports(support_client, log):
    assert support_client.get(LOG).status_code == 200
    assert support_client.get(PROGRESS).status_code == 200


def _query_count(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [LOG, PROGRESS])
@pytest.mark.parametrize("with_email", [False, True])
def test_report_pages_cost_the_same_queries_for_1_or_many_rows(admin_client, url, with_email):
    one, many = LearnerFactory(), LearnerFactory()
    contents = [ContentFactory() for _ in range(5)]
    ContentActionFactory(learner=one, content=contents[0])
    ProgressFactory(learner=one, content=contents[0])
    now = timezone.now()
    ContentAction.objects.bulk_create(
        ContentAction(
            learner=many,
            content=contents[n % 5],
            action=Action.VIEWED,
            occurred_at=now - timedelta(minutes=n),
            real_actor=one if n % 7 == 0 else None,
        )
        for n in range(300)
    )
    for content in contents[1:]:
        ProgressFactory(learner=many, content=content)
    for content in contents:  # actions the log reads from activity and access
        CertificateFactory(learner=many, content=content)
        for action in ("access.archived", "access.reinstated"):
            audit.record(
                actor=many, subject=many, action=action, changes={"content": [content.title] * 2}
            )
    counts = []
    for learner in (one, many):
        params = {"email": learner.email, "impersonated": "include"} if with_email else {}
        counts.append(_query_count(admin_client, url, params))
    # session, user, 2 x permissions, content choices, (learner by e-mail), the page
    # (the log: one query per place its actions are recorded, see LOG_SOURCES)
    page = len(LOG_SOURCES) if url == LOG else 1
    assert counts == [6 + page] * 2 if with_email else counts == [5 + page] * 2


def test_the_progress_export_scores_agree_with_the_transcript(admin_client):
    """The Score column is the best passed attempt (as on the transcript), not left empty."""
    from tests.activity.factories import AssessmentFactory, AttemptFactory

    ana = LearnerFactory(email="ana@example.com")
    sales = ContentFactory(title="Sales")
    ProgressFactory(learner=ana, content=sales, percent=40)
    exam = AssessmentFactory(content=sales)
    AttemptFactory(learner=ana, assessment=exam, score=60, passed=False)
    AttemptFactory(learner=ana, assessment=exam, score=88, passed=True)

    rows = read_csv(admin_client.get(PROGRESS, {"export": "csv"}))

    assert rows[0][-1] == "Score" and rows[1][0] == "ana@example.com"
    assert rows[1][-1] == "88"


def test_certificates_archiving_and_reinstating_show_in_the_log_and_tab(admin_client, admin_user):
    """Every action the filters offer shows when it happens, though activity and access
    (below engagement) record them: an issued certificate, an archived, a reinstated item."""
    from access.models import AccessSettings
    from access.services import access_archive, access_reinstate, access_settings_update
    from activity.models import CertificateTemplate
    from activity.services import certificate_issue

    learner = LearnerFactory(email="ana@example.com")
    safety, sales = ContentFactory(title="Safety"), ContentFactory(title="Sales")
    grant(learner, sales)
    access = grant(learner, safety)
    CertificateTemplate.objects.create(content=safety, title="Safe worker")
    certificate_issue(user=learner, content=safety, actor=admin_user)
    if not AccessSettings.load().learner_archiving:
        access_settings_update(actor=None, learner_archiving=True)
    access_archive(grant=access, actor=learner)
    access_reinstate(grant=access, actor=admin_user)

    def logged(**params):
        response = admin_client.get(LOG, {"email": learner.email, **params})
        assert response.status_code == 200
        return [(row.content_title, row.get_action_display()) for row in response.context["rows"]]

    assert logged() == [
        ("Safety", "Reinstated"),
        ("Safety", "Archived"),
        ("Safety", "Certificate granted"),
    ]
    assert logged(action="certificate_granted") == [("Safety", "Certificate granted")]
    assert logged(action="archived") == [("Safety", "Archived")]
    assert logged(action="reinstated") == [("Safety", "Reinstated")]
    assert logged(content=sales.pk) == []
    assert logged(content=safety.pk, action="reinstated") == [("Safety", "Reinstated")]
    page = admin_client.get(LOG, {"email": learner.email}).content.decode()
    assert f"Staff: {admin_user.email}" in page  # the certificate and the reinstating

    rows = read_csv(admin_client.get(LOG, {"email": learner.email, "export": "csv"}))
    assert [(row[2], row[3]) for row in rows[1:]] == [
        ("Safety", "Reinstated"),
        ("Safety", "Archived"),
        ("Safety", "Certificate granted"),
    ]

    tab = admin_client.get(f"/manage/users/{learner.pk}/engagement/")
    recent = [row.get_action_display() for row in tab.context["recent_actions"]]
    assert recent == ["Reinstated", "Archived", "Certificate granted"]


def test_log_pages_merge_every_source_forward_and_back_without_gaps_or_repeats():
    """Rows from the three sources, several at the same instant, page by (when, source, id)."""
    from activity.models import Certificate
    from engagement.action_log import action_log_page
    from engagement.reports import Filters
    from users.models import AuditEvent

    learner = LearnerFactory()
    contents = [ContentFactory() for _ in range(4)]
    moment = timezone.now() - timedelta(hours=1)
    for n, content in enumerate(contents):
        when = moment - timedelta(minutes=n // 2)  # pairs share an instant
        ContentActionFactory(learner=learner, content=content, occurred_at=when)
        ContentActionFactory(learner=learner, content=content, occurred_at=when)
        CertificateFactory(learner=learner, content=content)
        Certificate.objects.filter(learner=learner, content=content).update(issued_at=when)
        AuditEvent.objects.create(
            actor=learner,
            subject=learner,
            action="access.archived",
            changes={"content": [content.title] * 2},
            created_at=when,
        )
    filters = Filters(impersonated="include")
    everything = action_log_page(filters, size=100).rows
    assert len(everything) == 16
    keys = [(row.occurred_at, row.source, row.id) for row in everything]
    assert keys == sorted(keys, reverse=True)

    seen, cursor, pages = [], None, []
    while True:
        page = action_log_page(filters, cursor=cursor, size=3)
        pages.append(page)
        seen += [row.pk for row in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [row.pk for row in everything]
    back = action_log_page(filters, cursor=pages[-1].previous_cursor, size=3)
    assert [row.pk for row in back.rows] == [row.pk for row in pages[-2].rows]


def test_report_exports_leave_out_whom_the_exporter_may_not_export(db):
    """Customer Service exports learners only (users.rules.can_export): the reports' CSVs
    leave out staff rows for them, as the transcript and privacy exports refuse them."""
    from django.test import Client

    from tests.factories import AdminFactory, SupportFactory

    learner = LearnerFactory(email="kept@example.com")
    colleague = AdminFactory(email="colleague@example.com")
    for person in (learner, colleague):
        ContentActionFactory(learner=person)
        ProgressFactory(learner=person)

    def exported(who, url):
        client = Client()
        client.force_login(who)
        rows = read_csv(client.get(url, {"export": "csv"}))[1:]
        return {row[1 if url == LOG else 0] for row in rows}

    support, admin = SupportFactory(), AdminFactory()
    for url in (LOG, PROGRESS):
        assert exported(support, url) == {"kept@example.com"}
        assert exported(admin, url) == {"kept@example.com", "colleague@example.com"}
