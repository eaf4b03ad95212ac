import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, AdminFactory, LearnerFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_select_three_learners_and_disable_them_in_bulk(page, live_server, sign_in, check_a11y):
    admin = AdminFactory(first_name="Alex", last_name="Admin")
    chosen = [
        LearnerFactory(first_name=first, last_name="Bulkson") for first in ("Ada", "Grace", "Alan")
    ]
    LearnerFactory(first_name="Katherine", last_name="Staying")

    sign_in(page, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/manage/users/learners/")
    expect(page.get_by_role("heading", name="Learners")).to_be_visible()
    check_a11y(page)

    for learner in chosen:
        page.get_by_label(f"Select {learner.full_name}").check()
    bar = page.get_by_role("region", name=re.compile("Bulk actions"))
    expect(bar).to_be_visible()
    expect(bar.get_by_text("3 learners selected")).to_be_visible()
    page.get_by_label(f"Select {chosen[0].full_name}").uncheck()
    expect(bar.get_by_text("2 learners selected")).to_be_visible()
    page.get_by_label(f"Select {chosen[0].full_name}").check()
    bar.get_by_label("Bulk action").select_option("disable")
    page.get_by_role("button", name="Review bulk action").click()

    expect(page.get_by_role("heading", name="Confirm bulk action")).to_be_visible()
    expect(page.get_by_text("Disable 3 learners")).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name="Apply to 3 learners").click()

    expect(page).to_have_url(re.compile(r"/manage/users/bulk/\d+/$"))
    expect(page.get_by_role("heading", name="Bulk action: Disable")).to_be_visible()
    expect(page.get_by_text("Every selected learner was changed.")).to_be_visible()
    expect(page.locator("progress")).to_have_attribute("value", "3")
    check_a11y(page)

    page.get_by_role("link", name="View Disabled").click()
    expect(page.get_by_role("heading", name="Disabled learners")).to_be_visible()
    for learner in chosen:
        expect(page.get_by_role("link", name=learner.full_name)).to_be_visible()
    expect(page.get_by_role("link", name="Katherine Staying")).to_have_count(0)
    check_a11y(page)


def test_filter_the_learners_by_panorama_and_sign_in_then_clear(
    page, live_server, sign_in, check_a11y
):
    from access.models import SublicenseSeat
    from tests.access.factories import SublicenseFactory

    admin = AdminFactory(first_name="Alex", last_name="Admin")
    team = SublicenseFactory(name="Sales team")
    seated = LearnerFactory(first_name="Sonia", last_name="Seated")
    SublicenseSeat.objects.create(user=seated, panorama=team.panorama, sublicense=team)
    LearnerFactory(first_name="Sonny", last_name="Elsewhere")

    sign_in(page, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/manage/users/learners/")
    expect(page.get_by_role("link", name="Alex Admin")).to_have_count(0)  # under Staff
    page.get_by_label("Search by e-mail or name").fill("son")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Panorama or sublicense").select_option(
        label=f"{team.panorama.name}: Sales team"
    )
    page.get_by_role("button", name="Apply filters").click()

    expect(page.get_by_role("link", name="Sonia Seated")).to_be_visible()
    expect(page.get_by_role("link", name="Sonny Elsewhere")).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text(re.compile("^1 learner"))
    expect(
        page.get_by_text(f"Panorama or sublicense: {team.panorama.name}: Sales team")
    ).to_be_visible()
    assert "seat=s" in page.url and "q=son" in page.url
    check_a11y(page)

    page.get_by_role("link", name="Remove the filter Panorama or sublicense").click()
    expect(page.get_by_role("link", name="Sonny Elsewhere")).to_be_visible()
    assert "q=son" in page.url and "seat=" not in page.url

    # A bad range is named next to its field, and left out of the list.
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Last sign-in from").fill("2026-05-02")
    page.get_by_label("Last sign-in to").fill("2026-05-01")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("Choose a day on or after the “from” day.")).to_be_visible()
    check_a11y(page)
    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_role("link", name="Sonia Seated")).to_be_visible()
    expect(page.get_by_label("Last sign-in from")).to_have_value("")
    page.get_by_role("link", name="Staff").first.click()
    expect(page.get_by_role("heading", name="Staff")).to_be_visible()
    expect(page.get_by_role("link", name="Alex Admin")).to_be_visible()
    check_a11y(page)
