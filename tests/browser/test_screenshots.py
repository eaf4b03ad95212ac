"""Screenshots of every admin page at desktop and phone widths, for a reviewer (CI artifacts).

Saved under .ci/screenshots/ (git-ignored): NN-page-desktop.png and NN-page-phone.png.
"""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from users.demo import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = Path(__file__).resolve().parents[2] / ".ci" / "screenshots"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
TABS = ("details", "access", "activity", "engagement", "payments", "transcript")


def test_screenshots_of_every_page_at_both_widths(browser, live_server, check_a11y):
    call_command("seed_demo", learners=6, stdout=io.StringIO())
    OUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.goto(f"{live_server.url}/sign_in")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/manage/")

    page.goto(f"{live_server.url}/manage/users/learners/")
    learner_row = page.locator("main table tbody tr").filter(has_text="Learner").first
    record = learner_row.locator("a[href^='/manage/users/']").first.get_attribute("href")
    user_id = re.search(r"/manage/users/(\d+)/", record).group(1)
    paths = ["/manage/", "/manage/users/learners/"]
    paths += [f"/manage/users/{user_id}/{tab}/" for tab in TABS]
    page.goto(f"{live_server.url}/manage/")
    for href in page.eval_on_selector_all(
        "main a[href^='/manage/']", "els => els.map(a => a.getAttribute('href'))"
    ):
        if href.split("#")[0] not in paths:
            paths.append(href.split("#")[0])

    saved = []
    for number, path in enumerate(paths):
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
        page.goto(f"{live_server.url}{path}")
        for width, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            check_a11y(page)
            target = OUT / f"{number:02d}-{name}-{width}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)
        page.set_viewport_size(WIDTHS["desktop"])
    context.close()
    assert all(path.stat().st_size > 0 for path in saved)
    assert len(saved) >= 2 * (2 + len(TABS))
