"""The two FAQs of the product description, step by step in Chromium, then the learner's view."""

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from access.services import access_grant
from activity.models import ActivitySettings, AwardGrant, Certificate
from tests.activity.factories import (
    AssessmentFactory,
    AttemptFactory,
    AwardTypeFactory,
    CertificateTemplateFactory,
    ContentFactory,
)
from tests.factories import PASSWORD, AdminFactory, LearnerFactory
from users.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_learner_record(page, live_server, check_a11y, email, name):
    """Users > Learners, search by e-mail, open the record, click the Activity tab."""
    page.goto(f"{live_server.url}/manage/")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text("Users", exact=True).click()
    nav.get_by_role("link", name="Learners").click()
    search = page.get_by_label("Search by e-mail or name")
    search.fill(email)
    search.press("Enter")
    page.get_by_role("link", name=name).click()
    page.get_by_role("navigation", name="User record").get_by_role("link", name="Activity").click()
    expect(page).to_have_url(re.compile(r"/activity/$"))
    check_a11y(page)


def test_faq_manually_grant_a_certificate(page, live_server, sign_in, check_a11y):
    admin = AdminFactory()
    learner = LearnerFactory(email="grace@example.com", first_name="Grace", last_name="Hopper")
    speaking = ContentFactory(title="Public Speaking")
    CertificateTemplateFactory(content=speaking, title="Certificate of Completion")
    retired = ContentFactory(title="Old Compliance Course")
    template = CertificateTemplateFactory(content=retired)
    for content in (speaking, retired):
        access_grant(user=learner, item=content, actor=None)
    from activity.services import certificate_template_remove

    certificate_template_remove(template=template, actor=None)

    sign_in(page, admin.email, PASSWORD)
    open_learner_record(page, live_server, check_a11y, learner.email, "Grace Hopper")

    certificates = page.locator("#certificates")
    certificates.scroll_into_view_if_needed()
    expect(certificates.get_by_role("heading", name="Certificates", exact=True)).to_be_visible()
    retired_row = certificates.get_by_role("row").filter(has_text="Old Compliance Course")
    expect(retired_row).to_contain_text("can no longer be granted manually")
    expect(retired_row.get_by_role("button", name="Issue Certificate")).to_have_count(0)

    row = certificates.get_by_role("row").filter(has_text="Public Speaking")
    row.get_by_label(re.compile("Reason for issuing")).fill("Gave the keynote at the conference")
    row.get_by_role("button", name="Issue Certificate").click()
    expect(page.get_by_role("status").filter(has_text="Certificate granted")).to_be_visible()
    certificate = Certificate.objects.get(learner=learner)
    issued = AuditEvent.objects.get(action="activity.certificate_issued", subject=learner)
    assert issued.actor == admin and issued.note == "Gave the keynote at the conference"
    held = (
        page.locator("#certificates")
        .get_by_role("row")
        .filter(has_text=certificate.verification_code)
    )
    expect(held).to_contain_text("Valid")
    expect(held).to_contain_text(admin.email)
    expect(
        page.locator("#certificates").get_by_role("row").filter(has_text="Public Speaking").last
    ).to_contain_text("Already holds this certificate")
    check_a11y(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, learner.email, PASSWORD)
    page.goto(f"{live_server.url}/my/certificates/")
    expect(page.get_by_role("heading", name="My certificates")).to_be_visible()
    mine = page.get_by_role("row").filter(has_text="Public Speaking")
    expect(mine).to_contain_text("Certificate of Completion")
    expect(mine).to_contain_text(certificate.verification_code)
    check_a11y(page)
    with page.expect_download() as download_info:
        mine.get_by_role("link", name=re.compile("Download PDF")).click()
    pdf_path = download_info.value.path()
    text = " ".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    assert "Grace Hopper" in text and "Public Speaking" in text

    mine.get_by_role("link", name=certificate.verification_code).click()
    expect(page.get_by_role("heading", name="Certificate check")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Valid")
    check_a11y(page)


def test_faq_manually_grant_awards(page, live_server, sign_in, check_a11y):
    admin = AdminFactory()
    learner = LearnerFactory(email="alan@example.com", first_name="Alan", last_name="Turing")
    course = ContentFactory(title="Negotiation Basics")
    access_grant(user=learner, item=course, actor=None)
    AwardTypeFactory()
    AwardTypeFactory(singular="Badge", plural="Badges", icon="🏅")

    sign_in(page, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/manage/settings/activity/")
    check_a11y(page)
    page.get_by_label("Gamification").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Activity settings saved: gamification turned on.")).to_be_visible()
    assert ActivitySettings.load().gamification

    open_learner_record(page, live_server, check_a11y, learner.email, "Alan Turing")
    awards = page.locator("#awards")
    awards.scroll_into_view_if_needed()
    expect(awards.get_by_role("heading", name="Awards", exact=True)).to_be_visible()
    awards.get_by_role("button", name="Manually Grant Award").click()
    expect(page.get_by_role("heading", name="Manually Grant Award")).to_be_visible()
    check_a11y(page)

    page.get_by_label("Award Type").select_option(label="Star")
    page.get_by_label("Quantity").fill("0")
    page.get_by_label("Content").select_option(label="Negotiation Basics")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter a whole number from 1 to 1000.")).to_be_visible()
    check_a11y(page)
    assert not AwardGrant.objects.exists()

    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Granted 3 Stars for Negotiation Basics")).to_be_visible()
    awards = page.locator("#awards")
    expect(awards.get_by_role("listitem").filter(has_text="Stars")).to_contain_text("3")
    expect(awards.get_by_role("row").filter(has_text="Negotiation Basics")).to_contain_text(
        admin.email
    )
    check_a11y(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, learner.email, PASSWORD)
    page.goto(f"{live_server.url}/my/certificates/")
    expect(page.get_by_role("heading", name="My awards")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Stars")).to_contain_text("3")
    check_a11y(page)


def test_forgive_an_attempt_and_undo(page, live_server, sign_in, check_a11y):
    admin = AdminFactory()
    learner = LearnerFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    exam = AssessmentFactory(title="Final exam", max_attempts=1)
    AttemptFactory(learner=learner, assessment=exam, score=41)

    sign_in(page, admin.email, PASSWORD)
    open_learner_record(page, live_server, check_a11y, learner.email, "Ada Lovelace")
    attempts = page.locator("#attempts")
    expect(attempts).to_contain_text("Attempts used: 1 of 1 allowed")
    expect(attempts).to_contain_text("Limit reached")
    forgive = (
        attempts.get_by_role("row").filter(has_text="41%").get_by_role("button", name="Forgive")
    )
    forgive.click()
    dialog = page.get_by_role("dialog", name="Forgive this attempt at Final exam?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("no longer counts toward the limit")
    expect(dialog.get_by_label("Reason (optional)")).to_be_focused()
    check_a11y(page)
    page.keyboard.press("Escape")  # Cancel: nothing changes, focus returns to the row's button
    expect(dialog).to_be_hidden()
    expect(forgive).to_be_focused()
    forgive.click()
    dialog.get_by_label("Reason (optional)").fill("Power cut during the exam")
    dialog.get_by_role("button", name="Forgive attempt").click()
    attempts = page.locator("#attempts")
    expect(attempts).to_contain_text("Attempts used: 0 of 1 allowed")
    expect(attempts).to_contain_text("Power cut during the exam")
    expect(
        page.get_by_role("status").filter(has_text="Attempt at Final exam forgiven")
    ).to_be_visible()
    check_a11y(page)

    attempts.get_by_role("button", name="Undo forgiveness").click()
    page.get_by_role("dialog").get_by_role("button", name="Undo forgiveness").click()
    expect(page.locator("#attempts")).to_contain_text("Attempts used: 1 of 1 allowed")
