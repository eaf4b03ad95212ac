"""Crawl the demo school as each staff role, at desktop and phone widths.

Every page linked from /manage/ and every tab of every learner the learners list links to
must load without a server error, must not link (within /manage/) to a page the same user
is refused, and must not scroll sideways.
"""

import io
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command

from tests.browser.pages import DESKTOP, PHONE, sign_in_to_manage
from users.demo import ADMIN_EMAIL, ADMIN_PASSWORD, SUPPORT_EMAIL, SUPPORT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINKS = "els => els.map(a => a.href)"
WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"
# Emoji need a font that a default Debian Chromium lacks: they show as empty boxes.
EMOJI = r"(document.body.innerText.match(/\p{Emoji_Presentation}/gu) || []).join(' ')"


@pytest.fixture
def demo_school(transactional_db):
    call_command("seed_demo", learners=6, stdout=io.StringIO())


def manage_links(page, live_server, selector="a[href]"):
    """Absolute URLs (no fragment) of the links matching selector that stay within /manage/."""
    urls = []
    for href in page.eval_on_selector_all(selector, LINKS):
        url = urldefrag(href).url
        parts = urlsplit(url)
        if url.startswith(live_server.url) and parts.path.startswith("/manage/"):
            urls.append(url)
    return list(dict.fromkeys(urls))


@pytest.mark.parametrize(
    ("email", "password"),
    [(ADMIN_EMAIL, ADMIN_PASSWORD), (SUPPORT_EMAIL, SUPPORT_PASSWORD)],
    ids=["admin", "customer_service"],
)
def test_every_manage_page_and_learner_tab_loads_and_fits_a_phone(
    browser, live_server, demo_school, check_a11y, email, password
):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in_to_manage(page, live_server, email, password)

    problems = []
    link_status = {}  # each /manage/ URL is checked, and reported, once

    def refused(status):
        return status == 403 or status >= 500

    def visit(url, *, axe=False):
        response = page.goto(url)
        path = urlsplit(url).path
        if url not in link_status:
            link_status[url] = response.status
            if refused(response.status):
                problems.append(f"{path}: answers {response.status}")
        if response.status >= 400:
            return
        for link in manage_links(page, live_server):
            if link not in link_status:
                # The page's request context shares the session: no navigation needed.
                link_status[link] = status = context.request.get(link).status
                if refused(status):
                    problems.append(
                        f"{path}: links to {urlsplit(link).path}, which answers {status}"
                    )
        emoji = page.evaluate(EMOJI)
        if emoji:
            problems.append(f"{path}: shows emoji {emoji}")
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            scroll_width, inner_width = page.evaluate(WIDTH)
            if scroll_width > inner_width:
                problems.append(
                    f"{path}: {scroll_width} px wide in a {inner_width} px window (scrolls sideways)"
                )
            if axe:  # WCAG 2.2 AA at both widths
                try:
                    check_a11y(page)
                except AssertionError as failure:
                    problems.append(f"{path}: {str(failure).splitlines()[1].strip()}")
        page.set_viewport_size(DESKTOP)

    page.goto(f"{live_server.url}/manage/")
    pages = [page.url, *manage_links(page, live_server, "main a[href]")]
    learners_list = f"{live_server.url}/manage/users/learners/"
    assert learners_list in pages
    for url in pages:
        visit(url, axe=True)

    page.goto(learners_list)
    records = manage_links(page, live_server, "main table tbody a[href]")
    assert len(records) >= 6
    for index, record in enumerate(records):
        page.goto(record)
        tabs = manage_links(page, live_server, "nav[aria-label='User record'] a[href]")
        assert len(tabs) == 6, f"{record}: {tabs}"
        for tab in tabs:
            visit(tab, axe=index == 0)

    context.close()
    assert not problems, f"{email}:\n" + "\n".join(problems)
