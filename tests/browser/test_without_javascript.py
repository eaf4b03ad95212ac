"""With JavaScript off, every action that asks in a dialog asks on a page instead, then acts.

The same buttons as with the script: the server sees a form sent without `confirmed` and answers
with the dialog's words as a page, carrying what was chosen.
"""

import re

import pytest
from playwright.sync_api import expect

from engagement.models import Progress
from payments import services as payments
from payments.models import Card, Subscription
from privacy.services import erasure_request
from tests.browser.pages import send_reset_progress, sign_in_to_manage
from tests.engagement.factories import ProgressFactory, grant
from tests.factories import PASSWORD, AdminFactory
from tests.payments.factories import ContentFactory, PlanFactory, paid_learner
from users.models import ErasureRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_payments_actions_ask_on_a_page(page, live_server):
    admin = AdminFactory()
    learner, [purchase] = paid_learner(first_name="Ada", last_name="Lovelace")
    plan = PlanFactory(name="All Access", contents=[ContentFactory()])
    subscription = payments.subscription_start(
        user=learner, plan=plan, actor=admin, amount_minor=1500
    )
    sign_in_to_manage(page, live_server, admin.email, PASSWORD)
    tab = f"{live_server.url}/manage/users/{learner.pk}/payments/"
    page.goto(tab)

    # Refund: the row's button is a link to the dialog's page, with what is left filled in.
    page.get_by_role("button", name=re.compile(r"^Refund 49\.00 USD of ")).click()
    expect(page.get_by_role("heading", name="Refund the 49.00 USD charge?")).to_be_visible()
    expect(page.get_by_label("Amount to refund")).to_have_value("49.00")
    page.get_by_label("Amount to refund").fill("10.00")
    page.get_by_label("Reason").fill("Started a week late")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.get_by_text("Refund sent to the learner's card.")).to_be_visible()
    expect(page.get_by_text("refunded 10.00 USD, 39.00 USD left")).to_be_visible()

    # Cancel a subscription: asked on a page; Cancel there changes nothing.
    page.get_by_role("button", name="Cancel All Access").click()
    expect(page.get_by_role("heading", name="Cancel All Access now?")).to_be_visible()
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page).to_have_url(tab)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    page.get_by_role("button", name="Cancel All Access").click()
    page.get_by_label("Reason (optional)").fill("Moved to a team plan")
    page.get_by_role("button", name="Cancel subscription").click()
    expect(page.get_by_text("All Access cancelled; its access has ended.")).to_be_visible()

    # Remove the card: asked on a page that names it, then removed.
    page.get_by_role("button", name="Remove Visa •••• 4242").click()
    expect(page.get_by_role("heading", name="Remove Visa •••• 4242?")).to_be_visible()
    assert Card.objects.filter(learner=learner).exists()
    page.get_by_role("button", name="Remove card").click()
    expect(page.get_by_text("Visa •••• 4242 removed.")).to_be_visible()
    expect(page.get_by_text("No card on file.")).to_be_visible()


def test_reset_progress_and_cancel_erasure_ask_on_a_page(page, live_server):
    admin = AdminFactory()
    learner, _ = paid_learner(first_name="Alan", last_name="Turing")
    course = ContentFactory(title="Morphogenesis")
    grant(learner, course)
    ProgressFactory(learner=learner, content=course)
    sign_in_to_manage(page, live_server, admin.email, PASSWORD)

    send_reset_progress(page, live_server, learner, "Morphogenesis", "Asked to retake")
    expect(page.get_by_role("heading", name="Reset progress in Morphogenesis?")).to_be_visible()
    expect(page.get_by_label("Reason")).to_have_value("Asked to retake")
    assert Progress.objects.get(learner=learner, content=course).status != "not_started"
    page.get_by_role("button", name="Reset progress").click()
    expect(page.get_by_text("Progress in “Morphogenesis” is reset to not started.")).to_be_visible()
    assert Progress.objects.get(learner=learner, content=course).status == "not_started"

    erasure_request(user=learner, actor=admin, reason="Asked.")
    page.goto(f"{live_server.url}/manage/users/{learner.pk}/")
    page.get_by_role("button", name="Cancel erasure").click()
    expect(page.get_by_role("heading", name="Cancel the scheduled erasure?")).to_be_visible()
    assert ErasureRequest.objects.get(user=learner).cancelled_at is None
    page.get_by_role("button", name="Cancel erasure").click()
    expect(page.get_by_text("Erasure cancelled: nothing was erased.")).to_be_visible()
    assert ErasureRequest.objects.get(user=learner).cancelled_at is not None
