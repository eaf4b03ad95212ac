"""What the page-walking browser tests share: the two widths, signing in, the demo learner's tabs.

test_crawl.py, test_screenshots.py, test_keyboard.py and test_without_javascript.py use these.
"""

import re

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TABS = ("details", "access", "activity", "engagement", "payments", "transcript")


def sign_in_to_manage(page, live_server, email, password):
    """Sign in at /sign_in as staff and wait for /manage/ (no axe check: callers run their own)."""
    page.goto(f"{live_server.url}/sign_in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/manage/")


def learner_tabs(page, live_server):
    """The six tab URLs of the demo school's first learner listed (one with history)."""
    page.goto(f"{live_server.url}/manage/users/learners/")
    row = page.locator("main table tbody tr").filter(has_text="Learner").first
    record = row.locator("a[href^='/manage/users/']").first.get_attribute("href")
    user_id = re.search(r"/manage/users/(\d+)/", record).group(1)
    return [f"{live_server.url}/manage/users/{user_id}/{tab}/" for tab in TABS]


def send_reset_progress(page, live_server, learner, title, reason):
    """On the learner's Engagement tab, fill Reset progress (item and reason) and press it.
    Returns the form's box (its button asks again)."""
    page.goto(f"{live_server.url}/manage/users/{learner.pk}/engagement/")
    reset = page.get_by_role("article").filter(
        has=page.get_by_role("heading", name="Reset progress")
    )
    reset.get_by_label("Content").select_option(label=title)
    reset.get_by_label("Reason").fill(reason)
    reset.get_by_role("button", name="Reset progress").click()
    return reset
