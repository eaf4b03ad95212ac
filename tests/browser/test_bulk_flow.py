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
    bulk_bar = page.get_by_text("Bulk edit (3 selected)")
    expect(bulk_bar).to_be_visible()
    expect(page.get_by_label("Bulk action")).to_be_hidden()  # folded until asked for
    bulk_bar.click()
    page.get_by_label("Bulk action").select_option("disable")
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
