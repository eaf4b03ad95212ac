"""Playwright driving Debian's Chromium (never `playwright install`), with axe on every page."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def check_a11y():
    """Run axe on the current page; fail on serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        results = axe.run(page)
        bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
        details = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(node["target"][0] for node in v["nodes"][:3])
            for v in bad
        ]
        assert not bad, f"accessibility violations on {page.url}:\n" + "\n".join(details)

    return check


@pytest.fixture
def sign_in(live_server, check_a11y):
    def do(page, email, password):
        page.goto(f"{live_server.url}/sign_in")
        check_a11y(page)
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return do


@pytest.fixture
def demo_admin_page(browser, live_server):
    """The demo school (six learners), and a 1280 px page signed in as its admin."""
    import io

    from django.core.management import call_command

    from tests.browser.pages import DESKTOP, sign_in_to_manage
    from users.demo import ADMIN_EMAIL, ADMIN_PASSWORD

    call_command("seed_demo", learners=6, stdout=io.StringIO())
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in_to_manage(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    yield page
    context.close()
