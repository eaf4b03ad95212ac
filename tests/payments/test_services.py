import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from access.models import AccessGrant
from access.selectors import has_access
from payments import services
from payments.gateways import CardDeclined, CardExpired, InvalidCard
from payments.gateways.sandbox import luhn_valid
from payments.models import Card, Subscription, Transaction
from tests.factories import LearnerFactory
from tests.payments.factories import (
    CHARGE_FAILS,
    DECLINED,
    EXPIRED,
    MASTERCARD,
    VISA,
    ContentFactory,
    LearningPathFactory,
    PlanFactory,
    add_card,
    paid_learner,
)
from users.models import AuditEvent

pytestmark = pytest.mark.django_db
DIGIT_RUN = re.compile(r"(?<!\d)\d{13,19}(?!\d)")
# A salted password hash is hex: digits by chance, never a card.
HASHED = {("users_user", "password")}


def _textual(column):
    try:
        kind = connection.introspection.get_field_type(column.type_code, column)
    except KeyError:
        return True  # a type Django does not map (text[] of the search blocks): scan its text
    return kind in {"CharField", "TextField", "JSONField"}


def card_numbers_in_database():
    """Every 13-19 digit run passing Luhn in any text column of any table."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            description = connection.introspection.get_table_description(cursor, table)
            columns = [column.name for column in description if _textual(column)]
            for column in columns:
                if (table, column) in HASHED:
                    continue
                quoted = connection.ops.quote_name(column)
                # Every value, read as text in Python: works on both databases, and also
                # finds a number written with spaces or dashes between its digits.
                cursor.execute(
                    f"SELECT CAST({quoted} AS TEXT) FROM {connection.ops.quote_name(table)} "
                    f"WHERE {quoted} IS NOT NULL"
                )
                for (value,) in cursor.fetchall():
                    for digits in DIGIT_RUN.findall(re.sub(r"(?<=\d)[ -](?=\d)", "", value)):
                        if luhn_valid(digits):
                            found.append((table, column, digits))
    return found


def test_adding_a_card_stores_no_card_number_anywhere(admin_user):
    learner = LearnerFactory()
    card = add_card(learner, VISA, actor=admin_user)
    add_card(learner, "5555 5555 5555 4444", actor=admin_user)
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2031)
    assert card.is_default and card.added_by == admin_user
    # The scanner does find a number when one is stored: prove it is not blind.
    assert card_numbers_in_database() == []
    AuditEvent.objects.create(action="probe", note=f"x {VISA} y")
    assert card_numbers_in_database()
    # Nor the CVC (only text columns: a timestamp's microseconds may well read 123).
    stored_text = [v for row in Card.objects.values() for v in row.values() if isinstance(v, str)]
    assert stored_text and not any("123" in value for value in stored_text)


def test_card_add_writes_one_audit_event_without_the_number(admin_user):
    learner = LearnerFactory()
    add_card(learner, actor=admin_user)
    events = AuditEvent.objects.filter(subject=learner)
    assert [event.action for event in events] == ["payments.card_added"]
    assert VISA not in str(events[0].changes) and "4242" in str(events[0].changes)


@pytest.mark.parametrize(
    ("number", "kwargs", "error"),
    [
        (DECLINED, {}, CardDeclined),
        (EXPIRED, {}, CardExpired),
        ("4242424242424241", {}, InvalidCard),
        (VISA, {"exp_year": 2020}, CardExpired),
    ],
)
def test_refused_cards_store_nothing(admin_user, number, kwargs, error):
    learner = LearnerFactory()
    with pytest.raises(error):
        add_card(learner, number, actor=admin_user, **kwargs)
    assert not Card.objects.exists()
    assert not AuditEvent.objects.filter(subject=learner).exists()


def test_default_card_moves_on_make_default_and_remove(admin_user):
    learner = LearnerFactory()
    visa = add_card(learner, VISA, actor=admin_user)
    master = add_card(learner, MASTERCARD, actor=admin_user)
    assert not master.is_default
    services.card_make_default(card=master, actor=admin_user)
    assert list(Card.objects.filter(is_default=True)) == [master]
    services.card_remove(card=master, actor=admin_user)
    visa.refresh_from_db()
    assert visa.is_default
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(
            learner=learner,
            token="t2",
            brand="visa",
            last4="1111",
            exp_month=1,
            exp_year=2030,
            is_default=True,
        )


def test_subscription_grants_the_plan_content_and_cancel_revokes_it(admin_user):
    course = ContentFactory()
    plan = PlanFactory(contents=[course])
    learner = LearnerFactory()
    add_card(learner, actor=admin_user)
    subscription = services.subscription_start(
        user=learner, plan=plan, actor=admin_user, amount_minor=1999, currency="usd"
    )
    assert subscription.status == Subscription.Status.ACTIVE
    assert has_access(learner, course)
    assert subscription.access_grant.source == AccessGrant.Source.SUBSCRIPTION
    assert subscription.access_grant.expires_at == subscription.current_period_end
    charge = Transaction.objects.get(subscription=subscription)
    assert (charge.amount_minor, charge.currency, charge.kind) == (1999, "USD", "charge")
    assert charge.gateway_reference.startswith("ch_sandbox_")
    with pytest.raises(ValidationError):
        services.subscription_start(user=learner, plan=plan, actor=admin_user, amount_minor=1999)

    services.subscription_cancel(subscription=subscription, actor=admin_user, reason="asked")
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLED and subscription.cancelled_at
    assert not has_access(learner, course)
    assert AuditEvent.objects.filter(action="payments.subscription_cancelled").count() == 1


def test_subscription_needs_a_working_card(admin_user):
    plan = PlanFactory(contents=[ContentFactory()])
    learner = LearnerFactory()
    with pytest.raises(ValidationError):
        services.subscription_start(user=learner, plan=plan, actor=admin_user, amount_minor=100)
    add_card(learner, CHARGE_FAILS, actor=admin_user)
    with pytest.raises(CardDeclined):
        services.subscription_start(user=learner, plan=plan, actor=admin_user, amount_minor=100)
    assert not Subscription.objects.exists() and not Transaction.objects.exists()
    assert not AccessGrant.objects.exists()


def test_purchases_open_content_and_paths(admin_user):
    learner = LearnerFactory()
    add_card(learner, actor=admin_user)
    course, path = ContentFactory(), LearningPathFactory()
    bought = services.purchase_create(
        user=learner, item=course, amount_minor=4900, actor=admin_user
    )
    services.purchase_create(user=learner, item=path, amount_minor=9900, actor=admin_user)
    assert has_access(learner, course)
    assert bought.access_grant.source == AccessGrant.Source.PURCHASE
    assert bought.charge.amount_minor == 4900
    assert Transaction.objects.filter(learner=learner, kind="charge").count() == 2


@pytest.mark.parametrize("amount", [0, -100, 10**15, 12.5, "100", None, True])
def test_bad_amounts_charge_nothing(admin_user, amount):
    learner = LearnerFactory()
    add_card(learner, actor=admin_user)
    with pytest.raises(ValidationError):
        services.purchase_create(
            user=learner, item=ContentFactory(), amount_minor=amount, actor=admin_user
        )
    assert not Transaction.objects.exists()


def test_partial_then_full_refund_and_never_more(admin_user):
    learner, [purchase] = paid_learner(amount_minor=4900)
    charge = purchase.charge
    refund = services.transaction_refund(
        transaction=charge, amount_minor=1000, reason="Late start", actor=admin_user
    )
    charge.refresh_from_db()
    assert (charge.refunded_minor, refund.parent, refund.kind) == (1000, charge, "refund")
    with pytest.raises(ValidationError, match="39.00 USD"):
        services.transaction_refund(
            transaction=charge, amount_minor=3901, reason="too much", actor=admin_user
        )
    services.transaction_refund(
        transaction=charge, amount_minor=3900, reason="all", actor=admin_user
    )
    charge.refresh_from_db()
    assert charge.refunded_minor == 4900 and charge.refundable_minor == 0
    with pytest.raises(ValidationError):
        services.transaction_refund(
            transaction=charge, amount_minor=1, reason="x", actor=admin_user
        )
    with pytest.raises(ValidationError):
        services.transaction_refund(
            transaction=refund, amount_minor=1, reason="x", actor=admin_user
        )
    assert AuditEvent.objects.filter(action="payments.refunded").count() == 2


@pytest.mark.parametrize("amount", [0, -1, 10**15, 1.5, "5"])
def test_bad_refund_amounts_are_refused(admin_user, amount):
    _, [purchase] = paid_learner()
    with pytest.raises(ValidationError):
        services.transaction_refund(
            transaction=purchase.charge, amount_minor=amount, reason="x", actor=admin_user
        )
    purchase.charge.refresh_from_db()
    assert purchase.charge.refunded_minor == 0


def test_refund_with_the_same_key_happens_once(admin_user):
    _, [purchase] = paid_learner()
    first = services.transaction_refund(
        transaction=purchase.charge,
        amount_minor=100,
        reason="x",
        actor=admin_user,
        idempotency_key="abc",
    )
    again = services.transaction_refund(
        transaction=purchase.charge,
        amount_minor=100,
        reason="x",
        actor=admin_user,
        idempotency_key="abc",
    )
    assert first == again
    purchase.charge.refresh_from_db()
    assert purchase.charge.refunded_minor == 100


def test_the_database_refuses_over_refunds_and_bad_amounts():
    _, [purchase] = paid_learner(amount_minor=500)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.filter(pk=purchase.charge.pk).update(refunded_minor=501)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.filter(pk=purchase.charge.pk).update(amount_minor=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.filter(pk=purchase.charge.pk).update(currency="us")


def test_permissions(admin_user, support_user):
    learner = LearnerFactory()
    other_learner = LearnerFactory()
    card = add_card(learner, actor=support_user)
    plan = PlanFactory(contents=[ContentFactory()])
    with pytest.raises(PermissionDenied):
        services.subscription_start(user=learner, plan=plan, actor=support_user, amount_minor=100)
    with pytest.raises(PermissionDenied):
        services.purchase_create(
            user=learner, item=ContentFactory(), amount_minor=100, actor=support_user
        )
    with pytest.raises(PermissionDenied):
        services.card_remove(card=card, actor=other_learner)
    purchase = services.purchase_create(
        user=learner, item=ContentFactory(), amount_minor=100, actor=admin_user
    )
    services.transaction_refund(
        transaction=purchase.charge, amount_minor=50, reason="goodwill", actor=support_user
    )
    with pytest.raises(PermissionDenied):
        services.transaction_refund(
            transaction=purchase.charge, amount_minor=50, reason="x", actor=learner
        )


def test_expired_card_on_file_is_not_charged(admin_user):
    learner = LearnerFactory()
    card = add_card(learner, actor=admin_user)
    Card.objects.filter(pk=card.pk).update(exp_year=timezone.localdate().year - 1)
    with pytest.raises(ValidationError, match="expired"):
        services.purchase_create(
            user=learner, item=ContentFactory(), amount_minor=100, actor=admin_user
        )


def test_subscriptions_past_their_period_expire(admin_user):
    from io import StringIO

    from django.core.management import call_command

    learner = LearnerFactory()
    add_card(learner, actor=admin_user)
    plan = PlanFactory(contents=[ContentFactory()])
    subscription = services.subscription_start(
        user=learner, plan=plan, actor=admin_user, amount_minor=500
    )
    out = StringIO()
    call_command("expire_subscriptions", stdout=out)
    assert "0 subscriptions expired" in out.getvalue()
    Subscription.objects.filter(pk=subscription.pk).update(
        current_period_end=timezone.now() - timezone.timedelta(minutes=1),
        started_at=timezone.now() - timezone.timedelta(days=31),
    )
    call_command("expire_subscriptions", stdout=out)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.EXPIRED
    assert AuditEvent.objects.filter(action="payments.subscription_expired").count() == 1
    services.subscription_start(user=learner, plan=plan, actor=admin_user, amount_minor=500)
