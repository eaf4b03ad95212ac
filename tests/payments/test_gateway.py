import pytest
from django.utils import timezone

from payments.gateways import (
    CardDeclined,
    CardExpired,
    InvalidCard,
    InvalidCVC,
    PaymentError,
    get_gateway,
)
from payments.gateways.sandbox import SandboxGateway, luhn_valid
from tests.payments.factories import CHARGE_FAILS, DECLINED, EXPIRED, MASTERCARD, VISA

NEXT_YEAR = timezone.localdate().year + 1


def tokenize(number, **kwargs):
    args = {"exp_month": 12, "exp_year": NEXT_YEAR, "cvc": "123", "name": "A B"} | kwargs
    return SandboxGateway().tokenize(number=number, **args)


def test_get_gateway_loads_the_setting(settings):
    assert isinstance(get_gateway(), SandboxGateway)
    settings.PAYMENT_GATEWAY = "payments.gateways.sandbox.SandboxGateway"
    assert isinstance(get_gateway(), SandboxGateway)


@pytest.mark.parametrize(
    ("number", "brand", "last4"),
    [
        (VISA, "visa", "4242"),
        (MASTERCARD, "mastercard", "4444"),
        ("4242 4242 4242 4242", "visa", "4242"),
    ],
)
def test_test_cards_tokenize_to_brand_and_last4_only(number, brand, last4):
    card = tokenize(number)
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == (brand, last4, 12, NEXT_YEAR)
    assert "4242424242424242" not in card.token and "5555555555554444" not in card.token
    assert not any(char.isdigit() for char in card.token.rsplit("_", 1)[-1])


def test_amex_needs_four_digit_cvc():
    with pytest.raises(InvalidCVC):
        tokenize("378282246310005", cvc="123")
    assert tokenize("378282246310005", cvc="1234").brand == "amex"


@pytest.mark.parametrize(
    ("number", "kwargs", "error"),
    [
        (DECLINED, {}, CardDeclined),
        (EXPIRED, {}, CardExpired),
        ("4242424242424241", {}, InvalidCard),
        ("abcd", {}, InvalidCard),
        ("", {}, InvalidCard),
        ("4" * 40, {}, InvalidCard),
        (VISA, {"exp_year": 2020}, CardExpired),
        (VISA, {"exp_month": 13}, CardExpired),
        (VISA, {"cvc": "12a"}, InvalidCVC),
    ],
)
def test_refusals_are_typed_and_name_their_field(number, kwargs, error):
    with pytest.raises(error) as raised:
        tokenize(number, **kwargs)
    assert raised.value.field in {"number", "exp_year", "cvc"}
    assert raised.value.message


def test_charge_and_refund_references_follow_the_idempotency_key():
    gateway = SandboxGateway()
    token = tokenize(VISA).token
    first = gateway.charge(token=token, amount_minor=500, currency="USD", idempotency_key="k1")
    again = gateway.charge(token=token, amount_minor=500, currency="USD", idempotency_key="k1")
    other = gateway.charge(token=token, amount_minor=500, currency="USD", idempotency_key="k2")
    assert first.reference == again.reference != other.reference
    refund = gateway.refund(charge_reference=first.reference, amount_minor=100, idempotency_key="r")
    assert refund.reference.startswith("re_sandbox_")


def test_a_card_that_fails_at_charge_time():
    token = tokenize(CHARGE_FAILS).token
    with pytest.raises(CardDeclined):
        SandboxGateway().charge(token=token, amount_minor=100, currency="USD", idempotency_key="x")


@pytest.mark.parametrize("amount", [0, -5, 1.5, "100"])
def test_charge_refuses_non_positive_or_non_integer_amounts(amount):
    token = tokenize(VISA).token
    with pytest.raises(PaymentError):
        SandboxGateway().charge(
            token=token, amount_minor=amount, currency="USD", idempotency_key="x"
        )


def test_luhn():
    assert luhn_valid(VISA) and luhn_valid(MASTERCARD)
    assert not luhn_valid("4242424242424243") and not luhn_valid("42a2")
