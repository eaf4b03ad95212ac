"""The Engagement tab: progress per content and learning path, recent actions, chart, fixes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement import selectors, services
from engagement.models import ContentAction, Progress
from tests.engagement.factories import (
    ContentActionFactory,
    ContentFactory,
    ProgressFactory,
    grant,
    path_with,
)
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db

Action = ContentAction.Action


def url(user):
    return f"/manage/users/{user.pk}/engagement/"


def test_the_tab_is_listed_on_the_record(admin_client, learner):
    page = admin_client.get(url(learner)).content.decode()
    assert 'aria-current="page">Engagement<' in page


def test_links_open_both_reports_filtered_by_the_learners_email(admin_client):
    learner = LearnerFactory(email="ada+test@example.com")
    page = admin_client.get(url(learner)).content.decode()
    assert 'href="/manage/reports/content-actions/?email=ada%2Btest%40example.com"' in page
    assert 'href="/manage/reports/learner-progress/?email=ada%2Btest%40example.com"' in page
    assert "Content Actions Log" in page and "Learner Content &amp; Progress Details" in page


def test_per_course_status_percent_time_and_dates(admin_client, learner):
    started, untouched = ContentFactory(title="Alpha"), ContentFactory(title="Beta")
    grant(learner, started)
    grant(learner, untouched)
    ProgressFactory(learner=learner, content=started, percent=40, time_spent=3900)
    ProgressFactory(content=untouched)  # someone else's
    response = admin_client.get(url(learner))
    rows = {row.title: row for row in response.context["contents"]}
    assert rows["Alpha"].progress_status_label == "In progress"
    assert rows["Alpha"].progress_percent == 40
    assert rows["Beta"].progress_status_label == "Not started"
    assert rows["Beta"].progress_percent == 0
    page = response.content.decode()
    assert "1 h 05 min" in page and "40%" in page


def test_learning_path_progress_is_derived_from_its_items(learner):
    one, two, three = ContentFactory(), ContentFactory(), ContentFactory()
    path = path_with(one, two, three, title="Sales path")
    empty = path_with(title="Empty path")
    grant(learner, path)
    grant(learner, empty)

    def status():
        rows = {row.title: row for row in selectors.learning_path_progress(learner)}
        row = rows["Sales path"]
        return row.items_completed, row.items_total, row.status

    assert status() == (0, 3, "not_started")
    services.content_open(learner=learner, content=one)
    assert status() == (0, 3, "in_progress")
    services.content_complete(learner=learner, content=one)
    services.content_complete(learner=learner, content=two)
    assert status() == (2, 3, "in_progress")
    services.content_complete(learner=learner, content=three)
    assert status() == (3, 3, "completed")
    ProgressFactory(content=one, status="not_started", percent=0)  # another learner's
    assert status() == (3, 3, "completed")
    rows = {row.title: row for row in selectors.learning_path_progress(learner)}
    assert (rows["Empty path"].items_total, rows["Empty path"].status) == (0, "not_started")


def test_the_tab_shows_paths_and_the_last_20_actions(admin_client, learner):
    content = ContentFactory(title="Gamma")
    grant(learner, path_with(content, title="Onboarding"))
    now = timezone.now()
    for minutes in range(25):
        ContentActionFactory(
            learner=learner, content=content, occurred_at=now - timedelta(minutes=minutes)
        )
    response = admin_client.get(url(learner))
    recent = response.context["recent_actions"]
    assert len(recent) == 20
    assert recent[0].occurred_at > recent[-1].occurred_at
    page = response.content.decode()
    assert "Onboarding" in page and "0 / 1" in page


def test_the_chart_counts_actions_per_day_and_describes_itself(admin_client, learner):
    content = ContentFactory()
    today = timezone.now()
    for days_ago in (0, 0, 3, 100):
        ContentActionFactory(
            learner=learner, content=content, occurred_at=today - timedelta(days=days_ago)
        )
    days = selectors.actions_per_day(learner)
    assert len(days) == 90 and sum(day.count for day in days) == 3
    assert days[-1].count == 2
    page = admin_client.get(url(learner)).content.decode()
    assert 'role="img"' in page and 'aria-labelledby="activity-chart-title' in page
    assert "<strong>3 actions</strong> on 2 of the last 90 days" in page
    assert page.count('<rect class="bar"') == 2


def test_a_reset_from_the_tab_keeps_the_history(admin_client, admin_user, learner):
    content = ContentFactory(title="Delta")
    grant(learner, content)
    services.content_open(learner=learner, content=content)
    services.content_complete(learner=learner, content=content)
    data = {"reset-content": content.pk, "reset-reason": "Asked to retake"}
    # Sent from a browser without JavaScript (no dialog asked): the question comes as a page,
    # carrying what was chosen, and nothing is reset yet.
    asked = admin_client.post(url(learner) + "reset/", data)
    assert asked.status_code == 200
    question = asked.content.decode()
    assert "Reset progress in Delta?" in question and "Its history stays in the log" in question
    assert 'name="confirmed" value="1"' in question and "Asked to retake" in question
    assert Progress.objects.get(learner=learner, content=content).status == "completed"
    response = admin_client.post(url(learner) + "reset/", data | {"confirmed": "1"}, follow=True)
    assert "is reset to not started" in response.content.decode()
    assert f"Staff: {admin_user.email}" in response.content.decode()
    assert Progress.objects.get(learner=learner, content=content).status == "not_started"
    log = list(ContentAction.objects.filter(learner=learner).values_list("action", flat=True))
    assert Action.COMPLETED in log and Action.RESET in log


@pytest.mark.parametrize(
    "data, field",
    [
        ({"reset-content": "", "reset-reason": "x"}, "content"),
        ({"reset-content": "abc", "reset-reason": "x"}, "content"),
        ({"reset-content": "99999999", "reset-reason": "x"}, "content"),
        ({"reset-content": "-1", "reset-reason": "x"}, "content"),
        ({"reset-content": "CONTENT", "reset-reason": "   "}, "reason"),
        ({"reset-content": "CONTENT", "reset-reason": "x" * 501}, "reason"),
    ],
)
def test_a_bad_reset_gets_a_field_message_and_changes_nothing(admin_client, learner, data, field):
    content = ContentFactory()
    ProgressFactory(learner=learner, content=content)
    data = {key: str(content.pk) if value == "CONTENT" else value for key, value in data.items()}
    response = admin_client.post(url(learner) + "reset/", data)
    assert response.status_code == 400
    assert response.context["reset_form"].errors[field]
    assert 'class="field-error"' in response.content.decode()
    assert Progress.objects.get(learner=learner, content=content).status == "in_progress"
    assert not ContentAction.objects.filter(action=Action.RESET).exists()


def test_mark_complete_with_a_date_from_the_tab(admin_client, learner):
    content = ContentFactory(title="External workshop")
    grant(learner, content)
    day = timezone.localdate() - timedelta(days=10)
    response = admin_client.post(
        url(learner) + "complete/",
        {
            "complete-content": content.pk,
            "complete-completed_on": day.isoformat(),
            "complete-reason": "Attended in person",
        },
        follow=True,
    )
    page = response.content.decode()
    assert f"is marked complete on {day:%Y-%m-%d}" in page
    assert "(marked by staff)" in page
    progress = Progress.objects.get(learner=learner, content=content)
    assert progress.completion_source == "manual"


@pytest.mark.parametrize(
    "day, message",
    [
        (timezone.localdate() + timedelta(days=1), "cannot be in the future"),
        ("not-a-date", "Enter a valid date"),
        ("", "This field is required"),
        ("1900-01-01", "Choose a date after"),
        ("99999-01-01", "Enter a valid date"),
    ],
)
def test_a_bad_completion_date_is_refused_at_the_field(admin_client, learner, day, message):
    content = ContentFactory()
    grant(learner, content)
    response = admin_client.post(
        url(learner) + "complete/",
        {"complete-content": content.pk, "complete-completed_on": day, "complete-reason": "x"},
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["completion_form"].errors["completed_on"])
    assert not Progress.objects.filter(status="completed").exists()


def test_customer_service_resets_but_does_not_mark_complete(support_client, learner):
    content = ContentFactory()
    grant(learner, content)
    ProgressFactory(learner=learner, content=content)
    page = support_client.get(url(learner)).content.decode()
    assert "Reset progress" in page
    assert "Completed on" not in page
    response = support_client.post(
        url(learner) + "complete/",
        {
            "complete-content": content.pk,
            "complete-completed_on": timezone.localdate().isoformat(),
            "complete-reason": "x",
        },
    )
    assert response.status_code == 302
    assert not Progress.objects.filter(status="completed").exists()


def test_the_correction_urls_are_post_only(admin_client, learner):
    assert admin_client.get(url(learner) + "reset/").status_code == 405
    assert admin_client.get(url(learner) + "complete/").status_code == 405


def _fill(learner, *, contents, actions):
    items = [ContentFactory() for _ in range(contents)]
    for content in items:
        grant(learner, content)
        ProgressFactory(learner=learner, content=content)
    grant(learner, path_with(*items))
    now = timezone.now()
    ContentAction.objects.bulk_create(
        ContentAction(
            learner=learner,
            content=items[n % len(items)],
            action=Action.VIEWED,
            occurred_at=now - timedelta(hours=n),
        )
        for n in range(actions)
    )


def test_the_tab_costs_the_same_queries_for_none_1_or_many_rows(admin_client):
    empty, small, big = LearnerFactory(), LearnerFactory(), LearnerFactory()
    _fill(small, contents=1, actions=1)
    _fill(big, contents=60, actions=500)
    counts = []
    for learner in (empty, small, big):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url(learner)).status_code == 200
        counts.append(len(queries))
    # session, user, 2 x permissions, learner + roles, correction choices, content page,
    # paths, recent (3: actions, certificates, access events), chart, the record header's
    # summary (3: enrolments, completed, certificates and awards), ...
    assert counts == [17, 17, 17]


def test_the_content_list_pages_and_the_corrections_offer_every_item(admin_client, learner):
    items = [ContentFactory(title=f"Course {n:02d}") for n in range(60)]
    for content in items:
        grant(learner, content)
    ProgressFactory(learner=learner, content=items[55])  # in progress, on the second page
    with CaptureQueriesContext(connection) as first_queries:
        first = admin_client.get(url(learner))
    titles = [row.title for row in first.context["contents"]]
    assert titles == [f"Course {n:02d}" for n in range(50)]
    page = first.content.decode()
    assert 'rel="next"' in page and 'rel="prev"' not in page
    # Both correction forms list every item, not only this page's.
    reset_options = first.context["reset_form"].fields["content"].choices
    assert [label for _, label in reset_options[1:]] == ["Course 55"]
    assert len(first.context["completion_form"].fields["content"].choices) == 61

    cursor = first.context["contents_page"].next_cursor
    with CaptureQueriesContext(connection) as second_queries:
        second = admin_client.get(url(learner) + f"?cursor={cursor}")
    rows = {row.title: row for row in second.context["contents"]}
    assert list(rows) == [f"Course {n:02d}" for n in range(50, 60)]
    assert rows["Course 55"].progress_status_label == "In progress"
    assert 'rel="prev"' in second.content.decode()
    assert len(second_queries) == len(first_queries)


def test_a_reset_offered_on_any_page_is_applied(admin_client, learner):
    items = [ContentFactory(title=f"Course {n:02d}") for n in range(55)]
    for content in items:
        grant(learner, content)
    ProgressFactory(learner=learner, content=items[54])
    response = admin_client.post(
        url(learner) + "reset/",
        {"reset-content": items[54].pk, "reset-reason": "Asked to retake", "confirmed": "1"},
    )
    assert response.status_code == 302
    assert Progress.objects.get(learner=learner, content=items[54]).status == "not_started"
