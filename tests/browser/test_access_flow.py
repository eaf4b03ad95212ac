import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from access.models import AccessGrant
from tests.access.factories import ContentFactory
from tests.factories import PASSWORD, AdminFactory, LearnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def in_days(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def test_admin_grants_adjusts_learner_archives_admin_reinstates(
    page, live_server, sign_in, check_a11y
):
    admin = AdminFactory(first_name="Alex", last_name="Admin")
    learner = LearnerFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    ContentFactory(title="Workplace Safety", slug="workplace-safety")
    ContentFactory(title="Negotiation Skills", slug="negotiation-skills")
    tab = f"{live_server.url}/manage/users/{learner.pk}/access/"

    sign_in(page, admin.email, PASSWORD)
    page.goto(tab)
    expect(page.get_by_role("heading", name="Add access")).to_be_visible()
    check_a11y(page)
    page.get_by_label("Content, learning path or subscription").fill("Workplace Safety (Course)")
    page.get_by_label("Access expires on").fill(in_days(10).isoformat())
    page.get_by_role("button", name="Add access").click()
    expect(
        page.get_by_text(f"Workplace Safety added, with access until {in_days(10).isoformat()}.")
    ).to_be_visible()
    content = page.get_by_role("region", name="Content")
    expect(content.get_by_role("row", name="Workplace Safety")).to_contain_text(
        in_days(10).isoformat()
    )
    check_a11y(page)

    # Adding it again with another date changes nothing, and the page says so.
    page.get_by_label("Content, learning path or subscription").fill("Workplace Safety (Course)")
    page.get_by_label("Access expires on").fill(in_days(60).isoformat())
    page.get_by_role("button", name="Add access").click()
    expect(
        page.get_by_text(
            "This learner already has access to Workplace Safety until "
            f"{in_days(10).isoformat()}, through a manual grant. Nothing changed."
        )
    ).to_be_visible()
    expect(content.get_by_role("row", name="Workplace Safety")).to_contain_text(
        in_days(10).isoformat()
    )

    content.get_by_role("link", name="Workplace Safety").click()
    expect(page.get_by_role("heading", name="Workplace Safety")).to_be_visible()
    check_a11y(page)
    page.get_by_label("Access expires on").fill(in_days(30).isoformat())
    page.get_by_role("button", name="Save expiry date").click()
    expect(page.get_by_text(f"now expires on {in_days(30).isoformat()}")).to_be_visible()
    expect(
        page.get_by_role("region", name="Content").get_by_role("row", name="Workplace Safety")
    ).to_contain_text(in_days(30).isoformat())

    page.goto(f"{live_server.url}/manage/settings/access/")
    check_a11y(page)
    page.get_by_label("Learners may archive their content").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Learner archiving turned on.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, learner.email, PASSWORD)
    page.goto(f"{live_server.url}/")
    mine = page.get_by_role("region", name="My content")
    expect(mine.get_by_role("link", name="Workplace Safety")).to_have_attribute(
        "href", "/learn/workplace-safety/"
    )
    check_a11y(page)
    mine.get_by_role("button", name="Archive Workplace Safety").click()
    expect(page.get_by_text("Workplace Safety moved to your Archive.")).to_be_visible()
    archive = page.get_by_role("region", name="Archive")
    expect(archive.get_by_text("Workplace Safety")).to_be_visible()
    expect(
        page.get_by_role("region", name="My content").get_by_text("No content yet.")
    ).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, admin.email, PASSWORD)
    page.goto(tab)
    archive = page.get_by_role("region", name="Archive")
    expect(archive.get_by_role("row", name="Workplace Safety")).to_contain_text(
        "Archived by learner"
    )
    check_a11y(page)
    archive.get_by_role("button", name="Reinstate Workplace Safety").click()
    expect(
        page.get_by_text(
            f"Workplace Safety reinstated, with access until {in_days(30).isoformat()}."
        )
    ).to_be_visible()
    expect(
        page.get_by_role("region", name="Content").get_by_role("row", name="Workplace Safety")
    ).to_contain_text("Active")
    expect(page.get_by_role("region", name="Archive")).to_contain_text("Nothing archived")
    check_a11y(page)
    grant = AccessGrant.objects.get(user=learner)
    assert grant.archived_at is None and grant.expires_at.date() == in_days(30)
