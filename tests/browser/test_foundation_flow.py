import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, AdminFactory, LearnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_finds_a_learner_and_a_learner_is_kept_out(page, live_server, sign_in, check_a11y):
    admin = AdminFactory(first_name="Alex", last_name="Admin")
    learner = LearnerFactory(
        email="grace.hopper@example.com", first_name="Grace", last_name="Hopper"
    )
    LearnerFactory.create_batch(5)

    sign_in(page, admin.email, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/manage/")
    check_a11y(page)

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text("Users", exact=True).click()
    nav.get_by_role("link", name="Learners").click()
    expect(page.get_by_role("heading", name="Learners")).to_be_visible()
    check_a11y(page)

    search = page.get_by_label("Search by e-mail or name")
    search.fill("grace.hopper@example.com")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"q=grace\.hopper%40example\.com"))
    page.get_by_role("link", name="Grace Hopper").click()
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    expect(page.get_by_text("grace.hopper@example.com").first).to_be_visible()
    check_a11y(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, learner.email, PASSWORD)
    response = page.goto(f"{live_server.url}/manage/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()
    check_a11y(page)


def test_on_a_phone_nothing_runs_off_the_screen(page, live_server, sign_in):
    """390 px wide: the header folds into a Menu (Sign out stays one tap away) and wide tables
    scroll in their own box, so no page scrolls sideways."""
    admin = AdminFactory()
    learner = LearnerFactory(first_name="Ada", last_name="Lovelace-Byron-King")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, admin.email, PASSWORD)
    paths = ["/manage/", "/manage/users/learners/?q=ada"] + [
        f"/manage/users/{learner.pk}/{tab}/"
        for tab in ("details", "access", "activity", "engagement", "payments", "transcript")
    ]
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
        assert page.locator(".site-header").bounding_box()["height"] < 100
        sign_out = page.get_by_role("button", name="Sign out")
        expect(sign_out).to_be_hidden()
        page.get_by_role("navigation", name="Main").get_by_text("Menu", exact=True).click()
        expect(sign_out).to_be_in_viewport()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_phone_menu_works_from_the_keyboard(page, live_server, sign_in):
    admin = AdminFactory()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, admin.email, PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    learners = nav.get_by_role("link", name="Learners")

    menu = nav.get_by_text("Menu", exact=True)
    menu.focus()
    page.keyboard.press("Enter")
    manage = nav.get_by_role("link", name="Manage")
    expect(manage).to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(manage).to_be_focused()
    page.keyboard.press("Escape")
    expect(manage).to_be_hidden()
    expect(menu).to_be_focused()

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Users
    page.keyboard.press("Tab")
    expect(learners).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Learners")).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 900})
    expect(nav.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()
