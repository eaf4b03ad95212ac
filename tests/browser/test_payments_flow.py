import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PASSWORD, AdminFactory, LearnerFactory
from tests.payments.factories import ContentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_adds_a_sandbox_card_and_refunds_part_of_a_charge(
    page, live_server, sign_in, check_a11y
):
    from payments import services

    admin = AdminFactory()
    learner = LearnerFactory(first_name="Grace", last_name="Hopper")
    sign_in(page, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/manage/users/{learner.pk}/payments/")
    expect(page.get_by_role("heading", name="Card on file")).to_be_visible()
    expect(page.get_by_text("No card on file.")).to_be_visible()
    check_a11y(page)

    page.get_by_text("Add card", exact=True).first.click()
    page.get_by_label("Card number").fill("4242 4242 4242 4241")
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill(str(timezone.localdate().year + 2))
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Grace Hopper")
    page.get_by_role("button", name="Add card").click()
    expect(page.get_by_text("This card number is not valid.")).to_be_visible()
    expect(page.get_by_label("Card number")).to_have_value("")
    check_a11y(page)

    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Add card").click()
    expect(page.get_by_role("cell", name="Visa •••• 4242", exact=True)).to_be_visible()
    expect(page.get_by_text("Card added: Visa •••• 4242.")).to_be_visible()
    assert "4242424242424242" not in page.content()
    check_a11y(page)

    services.purchase_create(
        user=learner,
        item=ContentFactory(title="Intro to Compilers"),
        amount_minor=4900,
        actor=admin,
    )
    page.reload()
    expect(page.get_by_test_id("balance-USD")).to_have_text("49.00 USD")
    page.get_by_role("button", name=re.compile(r"^Refund 49\.00 USD of ")).click()
    dialog = page.get_by_role("dialog", name="Refund the 49.00 USD charge?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Amount to refund")).to_have_value("49.00")
    expect(dialog.get_by_label("Amount to refund")).to_be_focused()
    # A key of its own per opening: the same refund sent twice is made once.
    expect(dialog.locator('input[name="idempotency_key"]')).to_have_value(
        re.compile(r"^[0-9a-f-]{36}$")
    )
    check_a11y(page)
    dialog.get_by_label("Amount to refund").fill("10.00")
    dialog.get_by_label("Reason").fill("Started a week late")
    dialog.get_by_role("button", name="Refund", exact=True).click()

    expect(page.get_by_text("Refund sent to the learner's card.")).to_be_visible()
    expect(page.get_by_test_id("balance-USD")).to_have_text("39.00 USD")
    expect(page.get_by_text("refunded 10.00 USD, 39.00 USD left")).to_be_visible()
    check_a11y(page)

    # The dialog opens afresh for the next refund: what is left, nothing typed before.
    page.get_by_role("button", name=re.compile(r"^Refund 49\.00 USD of ")).click()
    expect(dialog.get_by_label("Amount to refund")).to_have_value("39.00")
    expect(dialog.get_by_label("Reason")).to_have_value("")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    # Removing the card asks first, in a dialog that names it; Cancel keeps it.
    remove = page.get_by_role("button", name="Remove Visa •••• 4242")
    remove.click()
    ask = page.get_by_role("dialog", name="Remove Visa •••• 4242?")
    expect(ask).to_be_visible()
    ask.get_by_role("button", name="Cancel").click()
    expect(remove).to_be_focused()
    remove.click()
    ask.get_by_role("button", name="Remove card").click()
    expect(page.get_by_text("Visa •••• 4242 removed.")).to_be_visible()
    expect(page.get_by_text("No card on file.")).to_be_visible()
