"""Impersonation end to end in Chromium: reason, banner, a learner action, stop, history."""

import pytest
from playwright.sync_api import expect

from access.services import access_grant
from engagement.models import ContentAction
from tests.access.factories import ContentFactory
from tests.factories import PASSWORD, AdminFactory, LearnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_impersonate_act_and_come_back(page, live_server, sign_in, check_a11y):
    admin = AdminFactory(email="helpdesk@school.example")
    learner = LearnerFactory(email="noor@example.com", first_name="Noor", last_name="Aziz")
    course = ContentFactory(title="Fire Safety Basics", slug="fire-safety")
    access_grant(user=learner, item=course, actor=None)

    sign_in(page, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/manage/users/{learner.pk}/details/")
    page.get_by_role("button", name="Impersonate").click()
    dialog = page.get_by_role("dialog", name="Impersonate Noor Aziz?")
    expect(dialog.get_by_label("Reason")).to_be_focused()
    check_a11y(page)
    dialog.get_by_label("Reason").fill("Ticket 5521")
    dialog.get_by_role("button", name="Impersonate").click()

    banner = page.get_by_role("alert").filter(has_text="You are signed in as Noor Aziz")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Reason: Ticket 5521")
    expect(banner).to_contain_text("min left")
    check_a11y(page)
    page.get_by_role("link", name="Fire Safety Basics").first.click()
    expect(banner).to_be_visible()
    page.get_by_role("button", name="Mark complete").click()
    expect(banner).to_be_visible()
    completed = ContentAction.objects.get(learner=learner, action="completed")
    assert completed.real_actor == admin  # kept out of the learner's own analytics

    banner.get_by_role("button", name="Stop impersonating").click()
    expect(page).to_have_url(f"{live_server.url}/manage/users/{learner.pk}/details/")
    expect(page.get_by_role("heading", name="Noor Aziz", level=1)).to_be_visible()
    expect(page.get_by_text("You are signed in as")).to_have_count(0)
    history = page.get_by_role("table").filter(has_text="Impersonation: started")
    expect(history.get_by_text("Impersonation: started")).to_be_visible()
    expect(history.get_by_text("Impersonation: ended")).to_be_visible()
    expect(history.get_by_text("/learn/fire-safety/complete/").first).to_be_visible()
    expect(history.get_by_text("impersonated by helpdesk@school.example").first).to_be_visible()
    check_a11y(page)
