import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from engagement import services
from tests.browser.pages import send_reset_progress
from tests.engagement.factories import ContentActionFactory, ContentFactory, grant
from tests.factories import PASSWORD, AdminFactory, LearnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".ci" / "screenshots"


def test_from_the_engagement_tab_open_the_log_filtered_to_the_learner(
    page, live_server, sign_in, check_a11y
):
    admin = AdminFactory()
    learner = LearnerFactory(
        email="grace.hopper@example.com", first_name="Grace", last_name="Hopper"
    )
    other = LearnerFactory(email="alan.turing@example.com")
    course = ContentFactory(title="Compilers 101")
    for person in (learner, other):
        grant(person, course)
        services.content_open(learner=person, content=course)
    services.content_complete(learner=learner, content=course)

    sign_in(page, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/manage/users/{learner.pk}/engagement/")
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    expect(page.get_by_role("link", name="Engagement")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("img", name=re.compile("Actions per day"))).to_be_visible()
    expect(page.get_by_role("cell", name="Completed").first).to_be_visible()
    check_a11y(page)
    page.screenshot(path="/tmp/engagement_tab.png", full_page=True)

    page.get_by_role("link", name="Content Actions Log").click()
    expect(page.get_by_role("heading", name="Content Actions Log")).to_be_visible()
    expect(page).to_have_url(re.compile(r"email=grace\.hopper%40example\.com"))
    expect(page.get_by_label("Learner e-mail")).to_have_value("grace.hopper@example.com")
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(4)  # header + viewed, started, completed
    expect(table.get_by_text("grace.hopper@example.com")).to_have_count(3)
    expect(table.get_by_text("alan.turing@example.com")).to_have_count(0)
    check_a11y(page)

    page.get_by_label("Action", exact=True).select_option(label="Completed")
    page.get_by_role("button", name="Apply filters").click()
    expect(table.get_by_role("row")).to_have_count(2)
    check_a11y(page)
    page.screenshot(path="/tmp/engagement_log.png", full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_chart_fits_the_screen_opens_as_a_table_and_prints(
    page, live_server, sign_in, check_a11y, width
):
    admin = AdminFactory()
    learner = LearnerFactory(first_name="Grace", last_name="Hopper")
    course = ContentFactory(title="Compilers 101")
    now = timezone.now()
    for days_ago, count in {0: 2, 3: 1, 10: 5}.items():
        for _ in range(count):
            ContentActionFactory(
                learner=learner, content=course, occurred_at=now - timedelta(days=days_ago)
            )
    busiest = timezone.localdate() - timedelta(days=10)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/manage/users/{learner.pk}/engagement/")

    chart = page.get_by_role(
        "img", name=re.compile(r"Actions per day from .*8 actions on 3 of the last 90 days")
    )
    expect(chart).to_be_visible()
    expect(chart).to_have_accessible_name(re.compile(f"Busiest day: {busiest:%Y-%m-%d}"))
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll

    # The numbers behind the bars, one keypress away.
    table = page.get_by_role("table", name=re.compile("Actions per day"))
    expect(table).to_be_hidden()
    page.get_by_text("Show the values as a table").focus()
    page.keyboard.press("Enter")
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(5)  # heading, three days, total
    expect(table.get_by_role("row", name=f"{busiest:%Y-%m-%d}")).to_contain_text("5")
    expect(table.get_by_role("row", name="Total, 90 days")).to_contain_text("8")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    check_a11y(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"engagement-chart-{width}.png"), full_page=True)

    # On paper: no navigation or buttons, the chart and its table (even with the table closed).
    page.keyboard.press("Enter")
    expect(table).to_be_hidden()
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("navigation", name="User record")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_be_hidden()
    expect(page.get_by_role("heading", name="Correct progress")).to_be_hidden()
    expect(page.get_by_role("button")).to_have_count(0)
    expect(page.get_by_text("Show the values as a table")).to_be_hidden()
    expect(chart).to_be_visible()
    expect(table).to_be_visible()
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"engagement-chart-{width}-print.png"), full_page=True)


def test_reset_progress_asks_in_a_dialog_naming_the_item(page, live_server, sign_in, check_a11y):
    from engagement.models import Progress

    admin = AdminFactory()
    learner = LearnerFactory(first_name="Grace", last_name="Hopper")
    course = ContentFactory(title="Compilers 101")
    grant(learner, course)
    services.content_open(learner=learner, content=course)
    sign_in(page, admin.email, PASSWORD)
    reset = send_reset_progress(page, live_server, learner, "Compilers 101", "Asked to retake")
    dialog = page.get_by_role("dialog", name="Reset progress in Compilers 101?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    check_a11y(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert Progress.objects.get(learner=learner, content=course).status == "in_progress"

    reset.get_by_role("button", name="Reset progress").click()
    dialog.get_by_role("button", name="Reset progress").click()
    expect(page.get_by_text("Progress in “Compilers 101” is reset to not started.")).to_be_visible()
    assert Progress.objects.get(learner=learner, content=course).status == "not_started"
