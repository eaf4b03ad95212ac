import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from payments import services
from payments.models import Card, Subscription, Transaction
from tests.factories import LearnerFactory
from tests.payments.factories import (
    DECLINED,
    EXPIRED,
    VISA,
    ContentFactory,
    PlanFactory,
    add_card,
    paid_learner,
)

pytestmark = pytest.mark.django_db
NEXT_YEAR = timezone.localdate().year + 1


def tab_url(user):
    return reverse("payments:tab", kwargs={"user_id": user.pk})


def card_post(**overrides):
    return {
        "number": VISA,
        "exp_month": "12",
        "exp_year": str(NEXT_YEAR),
        "cvc": "123",
        "name": "Grace Hopper",
    } | overrides


def field_error(response, name):
    match = re.search(rf'id="id_{name}_error"[^>]*>([^<]*)<', response.content.decode())
    return match.group(1) if match else ""


def test_tab_is_registered_and_empty(admin_client, learner):
    response = admin_client.get(tab_url(learner))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-current="page">Payments<' in html
    assert "No card on file." in html and "No transactions yet." in html


def test_add_card_shows_brand_and_last4_and_hides_the_number(admin_client, learner):
    response = admin_client.post(tab_url(learner), card_post(number="4242 4242 4242 4242"))
    assert response.status_code == 302
    assert response.wsgi_request.sensitive_post_parameters == ("number", "cvc")
    html = admin_client.get(tab_url(learner)).content.decode()
    assert "Visa •••• 4242" in html and f"12/{NEXT_YEAR}" in html and "Default" in html
    assert VISA not in html and "4242 4242 4242 4242" not in html
    assert Card.objects.get(learner=learner).last4 == "4242"


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (card_post(number="4242424242424241"), "number", "not valid"),
        (card_post(number="4242-abcd-4242"), "number", "digits only"),
        (card_post(number=DECLINED), "number", "declined"),
        (card_post(number=EXPIRED), "exp_year", "expired"),
        (card_post(exp_year="2020"), "exp_year", "expired"),
        (card_post(exp_month="13"), "exp_month", "less than or equal to 12"),
        (card_post(exp_month="-1"), "exp_month", "greater than or equal to 1"),
        (card_post(exp_year="99999999999999999999"), "exp_year", "less than or equal to 2100"),
        (card_post(exp_month="abc"), "exp_month", "whole number"),
        (card_post(cvc="12"), "cvc", "3 or 4 digits"),
        (card_post(number=""), "number", "required"),
        (card_post(number="4" * 500), "number", "at most 40"),
        (card_post(name="x" * 500), "name", "at most 100"),
    ],
)
def test_bad_cards_get_a_message_at_the_field_and_are_not_echoed(
    admin_client, learner, data, field, words
):
    response = admin_client.post(tab_url(learner), data)
    assert response.status_code == 400
    assert words in field_error(response, field)
    html = response.content.decode()
    if data["number"]:
        assert data["number"] not in html
    assert 'name="cvc"' in html and not re.search(r'name="(number|cvc)"[^>]*value=', html)
    assert not Card.objects.exists()


def test_card_actions_from_the_tab(admin_client, learner):
    visa = add_card(learner)
    master = add_card(learner, "5555555555554444")
    url = reverse(
        "payments:card_make_default", kwargs={"user_id": learner.pk, "card_id": master.pk}
    )
    assert admin_client.get(url).status_code == 405
    assert admin_client.post(url).status_code == 302
    master.refresh_from_db()
    assert master.is_default
    url = reverse("payments:card_remove", kwargs={"user_id": learner.pk, "card_id": visa.pk})
    asked = admin_client.post(url)  # from a browser without JavaScript: asked on a page first
    assert asked.status_code == 200
    assert "Remove Visa •••• 4242?" in asked.content.decode()
    assert Card.objects.count() == 2
    assert admin_client.post(url, {"confirmed": "1"}).status_code == 302
    assert list(Card.objects.all()) == [master]
    other = LearnerFactory()
    url = reverse("payments:card_remove", kwargs={"user_id": other.pk, "card_id": master.pk})
    assert admin_client.post(url, {"confirmed": "1"}).status_code == 404


def test_subscriptions_and_purchases_show_what_they_open(admin_client, admin_user):
    learner, [purchase] = paid_learner()
    course = ContentFactory(title="Statistics 101")
    plan = PlanFactory(name="All Access", contents=[course])
    subscription = services.subscription_start(
        user=learner, plan=plan, actor=admin_user, amount_minor=1500
    )
    html = admin_client.get(tab_url(learner)).content.decode()
    assert "All Access" in html and "Statistics 101" in html and "Access open" in html
    assert str(purchase.content) in html
    url = reverse(
        "payments:subscription_cancel",
        kwargs={"user_id": learner.pk, "subscription_id": subscription.pk},
    )
    asked = admin_client.post(url, {"reason": "moved"})
    assert "Cancel All Access now?" in asked.content.decode()
    subscription.refresh_from_db()
    assert subscription.status != Subscription.Status.CANCELLED
    assert admin_client.post(url, {"reason": "moved", "confirmed": "1"}).status_code == 302
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLED
    html = admin_client.get(tab_url(learner)).content.decode()
    assert "No current subscription." in html and "Access ended" in html


def refund_url(charge):
    return reverse(
        "payments:refund", kwargs={"user_id": charge.learner_id, "transaction_id": charge.pk}
    )


def refund_post(amount, **extra):
    return {"amount": amount, "reason": "Course cancelled"} | extra


def test_each_charge_row_opens_the_one_refund_dialog_with_what_is_left(admin_client):
    learner, [purchase] = paid_learner(amount_minor=4900)
    admin_client.post(refund_url(purchase.charge), refund_post("10.00"))
    html = admin_client.get(tab_url(learner)).content.decode()
    assert html.count('<dialog id="refund-dialog"') == 1
    assert "Refund the {item} charge?" in html and 'name="amount"' in html
    # The row's button: the page without JavaScript, the dialog with it, what is left to refund
    # as the amount, and which charge it is for screen readers.
    button = re.search(
        r'<a href="([^"]+)" role="button"[^>]*data-confirm="refund-dialog"[^>]*>', html
    )
    assert button and button.group(1) == refund_url(purchase.charge)
    assert 'data-value="39.00"' in button.group(0) and 'data-item="49.00 USD"' in button.group(0)
    # No idempotency key is rendered into the tab (the script makes one per opening), so the
    # tab is the same on every render: tests/fuzz/test_cursors.py compares it with page one.
    assert 'name="idempotency_key" value' not in html


def test_the_refund_page_offers_what_is_left(admin_client):
    _, [purchase] = paid_learner(amount_minor=4900)
    admin_client.post(refund_url(purchase.charge), refund_post("10.00"))
    page = admin_client.get(refund_url(purchase.charge)).content.decode()
    assert "Refund the 49.00 USD charge?" in page and 'value="39.00"' in page


def test_partial_refund_from_the_tab_updates_the_balance(admin_client):
    learner, [purchase] = paid_learner(amount_minor=4900)
    charge = purchase.charge
    page = admin_client.get(refund_url(charge))
    assert page.status_code == 200 and "49.00 USD" in page.content.decode()
    response = admin_client.post(refund_url(charge), refund_post("10.00"))
    assert response.status_code == 302
    html = admin_client.get(tab_url(learner)).content.decode()
    assert "refunded 10.00 USD, 39.00 USD left" in html
    assert re.search(r'data-testid="balance-USD">39.00 USD<', html)
    assert "Course cancelled" in html


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (refund_post("abc"), "Enter a number"),
        (refund_post("-5"), "greater than or equal to 0.001"),
        (refund_post("0"), "greater than or equal to 0.001"),
        (refund_post("1e30"), "no more than 12 digits"),
        (refund_post("99999999999"), "no more than 9 digits before"),
        (refund_post("0.001"), "Too many decimals"),
        (refund_post("49.01"), "At most 49.00 USD"),
        (refund_post(""), "required"),
        (refund_post("NaN"), "Enter a number"),
        (refund_post("Infinity"), "Enter a number"),
    ],
)
def test_bad_refunds_get_a_message_and_change_nothing(admin_client, data, words):
    _, [purchase] = paid_learner(amount_minor=4900)
    response = admin_client.post(refund_url(purchase.charge), data)
    assert response.status_code == 400
    assert words in field_error(response, "amount")
    purchase.charge.refresh_from_db()
    assert purchase.charge.refunded_minor == 0


def test_refund_needs_a_reason(admin_client):
    _, [purchase] = paid_learner()
    response = admin_client.post(refund_url(purchase.charge), {"amount": "1.00"})
    assert "required" in field_error(response, "reason")
    response = admin_client.post(refund_url(purchase.charge), refund_post("1", reason="x" * 501))
    assert "at most 500" in field_error(response, "reason")
    assert not Transaction.objects.filter(kind="refund").exists()


def test_resubmitting_the_same_refund_form_refunds_once(admin_client):
    _, [purchase] = paid_learner()
    data = refund_post("5.00", idempotency_key=str(uuid.uuid4()))
    admin_client.post(refund_url(purchase.charge), data)
    admin_client.post(refund_url(purchase.charge), data)
    purchase.charge.refresh_from_db()
    assert purchase.charge.refunded_minor == 500


def test_refund_of_someone_elses_or_a_refund_transaction_is_not_found(admin_client, admin_user):
    _, [purchase] = paid_learner()
    other = LearnerFactory()
    url = reverse(
        "payments:refund", kwargs={"user_id": other.pk, "transaction_id": purchase.charge.pk}
    )
    assert admin_client.get(url).status_code == 404
    refund = services.transaction_refund(
        transaction=purchase.charge, amount_minor=100, reason="x", actor=admin_user
    )
    assert admin_client.get(refund_url(refund)).status_code == 404


def test_customer_service_views_adds_cards_and_refunds(support_client):
    learner, [purchase] = paid_learner()
    assert support_client.get(tab_url(learner)).status_code == 200
    response = support_client.post(tab_url(learner), card_post(number="5555555555554444"))
    assert response.status_code == 302
    response = support_client.post(refund_url(purchase.charge), refund_post("1.00"))
    assert response.status_code == 302


def test_a_learner_cannot_open_the_tab(learner_client, learner):
    assert learner_client.get(tab_url(learner)).status_code == 403


def test_totals_per_currency_in_one_query(admin_user):
    from payments import selectors

    learner, purchases = paid_learner(amount_minor=1000, charges=2)
    services.purchase_create(
        user=learner, item=ContentFactory(), amount_minor=500, currency="EUR", actor=admin_user
    )
    services.purchase_create(
        user=learner, item=ContentFactory(), amount_minor=1000, currency="JPY", actor=admin_user
    )
    services.transaction_refund(
        transaction=purchases[0].charge, amount_minor=250, reason="x", actor=admin_user
    )
    with CaptureQueriesContext(connection) as queries:
        totals = selectors.totals(learner)
    assert len(queries) == 1
    assert [(t["currency"], t["charged"], t["refunded"], t["net"]) for t in totals] == [
        ("EUR", "5.00 EUR", "0.00 EUR", "5.00 EUR"),
        ("JPY", "1,000 JPY", "0 JPY", "1,000 JPY"),
        ("USD", "20.00 USD", "2.50 USD", "17.50 USD"),
    ]


def add_history(learner, count):
    """`count` extra charges (and refunds on the first few), written straight to the table."""
    rows = [
        Transaction(
            learner=learner,
            kind="charge",
            amount_minor=100 + n,
            currency="USD" if n % 3 else "EUR",
            gateway_reference=f"ch_sandbox_history{n}",
            idempotency_key=f"history-{learner.pk}-{n}",
            description=f"Old charge {n}",
            initiated_by=learner,
        )
        for n in range(count)
    ]
    Transaction.objects.bulk_create(rows)


def tab_queries(client, learner):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(tab_url(learner))
    assert response.status_code == 200
    return len(queries), response


def test_tab_query_count_is_fixed_with_none_1_or_300_transactions(admin_client, admin_user):
    empty = LearnerFactory()
    small, _ = paid_learner()
    big, _ = paid_learner(charges=30)
    add_history(big, 299)
    for learner in (small, big):
        plan = PlanFactory(contents=[ContentFactory(), ContentFactory()])
        services.subscription_start(user=learner, plan=plan, actor=admin_user, amount_minor=900)
    big_charge = Transaction.objects.filter(learner=big, kind="charge").first()
    services.transaction_refund(
        transaction=big_charge, amount_minor=50, reason="x", actor=admin_user
    )
    assert Transaction.objects.filter(learner=big).count() > 300
    none, _ = tab_queries(admin_client, empty)
    one, _ = tab_queries(admin_client, small)
    many, response = tab_queries(admin_client, big)
    assert none == one == many, (none, one, many)
    assert one <= 16
    assert response.content.decode().count("<time") < 200


def test_purchases_are_paged_newest_first(admin_client):
    learner, purchases = paid_learner(charges=30)
    titles = [purchase.content.title for purchase in reversed(purchases)]
    first = admin_client.get(tab_url(learner))
    assert [p.content.title for p in first.context["purchases"]] == titles[:25]
    html = first.content.decode()
    next_link = re.search(r'href="\?purchases_cursor=([^"]+)#purchases-heading" rel="next"', html)
    assert next_link
    second = admin_client.get(tab_url(learner), {"purchases_cursor": next_link.group(1)})
    assert [p.content.title for p in second.context["purchases"]] == titles[25:]
    assert 'rel="prev"' in second.content.decode()
    # The transactions list keeps its own page.
    assert len(second.context["page"].rows) == 25


def test_transactions_are_paged_newest_first(admin_client):
    learner, _ = paid_learner()
    add_history(learner, 40)
    first = admin_client.get(tab_url(learner))
    html = first.content.decode()
    assert html.count("Old charge") == 25
    assert html.index("Old charge 39") < html.index("Old charge 38") < html.index("Old charge 15")
    next_link = re.search(r'href="\?cursor=([^"]+)" rel="next"', html)
    assert next_link
    second = admin_client.get(tab_url(learner), {"cursor": next_link.group(1)}).content.decode()
    assert second.count("Old charge") + ("Purchase:" in second) == 16
    assert "Old charge 14" in second and "Old charge 15" not in second
    garbage = admin_client.get(tab_url(learner), {"cursor": "!!not-a-cursor"})
    assert garbage.status_code == 200


class ExplodingGateway:
    """A processor that fails unexpectedly after receiving the card (an outage, a bug)."""

    def tokenize(self, *, number, exp_month, exp_year, cvc, name):
        raise RuntimeError("processor exploded")


def test_card_number_and_cvc_stay_out_of_error_reports(admin_user, settings):
    """The error report Django mails or logs on a crash shows neither, in any frame or POST."""
    import sys

    from django.test import RequestFactory
    from django.views.debug import ExceptionReporter

    from payments import views

    settings.PAYMENT_GATEWAY = "tests.payments.test_tab.ExplodingGateway"
    learner = LearnerFactory()
    request = RequestFactory().post(tab_url(learner), card_post(cvc="987"))
    request.user = admin_user
    request._dont_enforce_csrf_checks = True
    with pytest.raises(RuntimeError) as raised:
        views.tab(request, user_id=learner.pk)
    report = ExceptionReporter(request, raised.type, raised.value, raised.tb)
    data = report.get_traceback_data()
    app_frames = [f for f in data["frames"] if "/tests/" not in f["filename"]]
    assert any(f["function"] == "card_add" for f in app_frames)
    shown = repr([f["vars"] for f in app_frames]) + repr(data["filtered_POST_items"])
    assert "processor exploded" in report.get_traceback_text()
    assert VISA not in shown and "987" not in shown
    assert "********" in shown
    assert sys.exc_info() == (None, None, None)


def test_making_the_default_card_default_again_says_nothing_changed(admin_client, learner):
    from users.models import AuditEvent

    visa = add_card(learner)
    url = reverse("payments:card_make_default", kwargs={"user_id": learner.pk, "card_id": visa.pk})
    before = AuditEvent.objects.count()
    html = admin_client.post(url, follow=True).content.decode()
    assert "is already the default card. Nothing changed." in html
    assert "is now the default card" not in html
    assert AuditEvent.objects.count() == before


def test_cancelling_an_ended_subscription_says_nothing_changed(admin_client, admin_user):
    from users.models import AuditEvent

    learner, _ = paid_learner()
    plan = PlanFactory(name="All Access", contents=[ContentFactory()])
    subscription = services.subscription_start(
        user=learner, plan=plan, actor=admin_user, amount_minor=1500
    )
    url = reverse(
        "payments:subscription_cancel",
        kwargs={"user_id": learner.pk, "subscription_id": subscription.pk},
    )
    data = {"reason": "moved", "confirmed": "1"}
    html = admin_client.post(url, data, follow=True).content.decode()
    assert "All Access cancelled; its access has ended." in html
    before = AuditEvent.objects.count()
    # Asked again, with or without the confirmation: nothing to cancel, nothing asked.
    html = admin_client.post(url, {"reason": "again"}, follow=True).content.decode()
    assert "All Access had already ended (Cancelled). Nothing changed." in html
    html = admin_client.post(url, data, follow=True).content.decode()
    assert "All Access had already ended (Cancelled). Nothing changed." in html
    assert AuditEvent.objects.count() == before
