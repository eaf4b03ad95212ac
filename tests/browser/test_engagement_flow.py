import re

import pytest
from playwright.sync_api import expect

from engagement import services
from tests.engagement.factories import ContentFactory, grant
from tests.factories import PASSWORD, AdminFactory, LearnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
