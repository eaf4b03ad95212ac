"""Screenshots of every admin page at desktop and phone widths, for a reviewer (CI artifacts).

Saved under .ci/screenshots/ (git-ignored): NN-page-desktop.png and NN-page-phone.png.
"""

import re
from pathlib import Path

import pytest

from tests.browser.pages import DESKTOP, PHONE, TABS, learner_tabs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = Path(__file__).resolve().parents[2] / ".ci" / "screenshots"
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


def test_screenshots_of_every_page_at_both_widths(demo_admin_page, live_server, check_a11y):
    page = demo_admin_page
    OUT.mkdir(parents=True, exist_ok=True)
    paths = ["/manage/", "/manage/users/learners/"]
    paths += [url.removeprefix(live_server.url) for url in learner_tabs(page, live_server)]
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
        page.set_viewport_size(DESKTOP)
    assert all(path.stat().st_size > 0 for path in saved)
    assert len(saved) >= 2 * (2 + len(TABS))
