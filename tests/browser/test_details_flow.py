"""The product description's own steps on the Details tab, in Chromium."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.factories import PASSWORD, AdminFactory, LearnerFactory
from users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin(page, sign_in):
    admin = AdminFactory()
    sign_in(page, admin.email, PASSWORD)
    return admin


def open_record(page, live_server, email, name):
    page.goto(f"{live_server.url}/manage/users/learners/")
    search = page.get_by_label("Search by e-mail or name")
    search.fill(email)
    search.press("Enter")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def test_change_the_name_and_save(page, live_server, admin, check_a11y):
    LearnerFactory(email="lin.wei@example.com", first_name="Lin", last_name="Wei")
    open_record(page, live_server, "lin.wei@example.com", "Lin Wei")
    check_a11y(page)
    page.get_by_label("First name").fill("Linda")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved: First name.")).to_be_visible()
    expect(page.get_by_role("heading", name="Linda Wei", level=1)).to_be_visible()
    expect(page.get_by_role("table").get_by_text("Lin → Linda")).to_be_visible()
    check_a11y(page)


def test_new_password_then_sign_in_as_the_learner(page, live_server, admin, sign_in):
    LearnerFactory(email="omar@example.com", first_name="Omar", last_name="Haddad")
    open_record(page, live_server, "omar@example.com", "Omar Haddad")
    page.get_by_label("New Password").fill("silver-lantern-harbor-8")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved: New Password.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "omar@example.com", "silver-lantern-harbor-8")
    expect(page.get_by_role("heading", name="Welcome, Omar")).to_be_visible()


def test_view_disabled_shows_a_disabled_learner(page, live_server, admin, check_a11y):
    LearnerFactory(email="zed@example.com", first_name="Zed", last_name="Gone", is_active=False)
    page.goto(f"{live_server.url}/manage/users/learners/")
    expect(page.get_by_text("zed@example.com")).to_have_count(0)
    page.get_by_role("link", name="View Disabled").click()
    expect(page.get_by_role("heading", name="Disabled learners")).to_be_visible()
    expect(page.get_by_text("zed@example.com")).to_be_visible()
    check_a11y(page)


def test_disable_with_confirmation(page, live_server, admin, check_a11y):
    LearnerFactory(email="kim@example.com", first_name="Kim", last_name="Park")
    open_record(page, live_server, "kim@example.com", "Kim Park")
    page.get_by_role("button", name="Disable user").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    check_a11y(page)
    dialog.get_by_label("Reason (optional)").fill("Ticket 4411")
    dialog.get_by_role("button", name="Disable user").click()
    expect(page.get_by_text("The user is disabled and signed out everywhere.")).to_be_visible()
    assert not User.objects.get(email="kim@example.com").is_active


def test_resend_invite_puts_one_email_in_the_outbox(page, live_server, admin):
    LearnerFactory(email="new.starter@example.com", first_name="New", last_name="Starter")
    open_record(page, live_server, "new.starter@example.com", "New Starter")
    page.get_by_role("button", name="Resend Invite").click()
    expect(page.get_by_text("The invitation is on its way.")).to_be_visible()
    expect(page.get_by_text("Last invite sent")).to_be_visible()
    assert [message.to for message in mail.outbox] == [["new.starter@example.com"]]
