"""A deterministic sandbox, modelled on the processors' test modes. It stores nothing.

Test cards (any future expiry, any 3-digit CVC):
    4242 4242 4242 4242  Visa, succeeds          5555 5555 5555 4444  Mastercard, succeeds
    3782 822463 10005    Amex, succeeds (4-digit CVC)
    4000 0000 0000 0002  declined when added      4000 0000 0000 0069  expired card
    4000 0000 0000 0341  added fine, every charge declined

The token carries only what the sandbox needs to answer later (brand, last 4, outcome) plus
random letters; charge and refund references derive from the idempotency key.
"""

import hashlib
import secrets
import string

from django.utils import timezone

from . import (
    CardDeclined,
    CardExpired,
    CardToken,
    ChargeResult,
    InvalidCard,
    InvalidCVC,
    PaymentError,
    PaymentGateway,
    RefundResult,
)

DECLINED_NUMBERS = {"4000000000000002"}
EXPIRED_NUMBERS = {"4000000000000069"}
CHARGE_FAILS_NUMBERS = {"4000000000000341"}
PREFIX = "tok_sandbox"


def luhn_valid(digits):
    """The Luhn checksum every card number carries."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_brand(digits):
    """The card network, read from the number's leading digits."""
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in {"51", "52", "53", "54", "55"} or "2221" <= digits[:4] <= "2720":
        return "mastercard"
    if digits[:2] in {"34", "37"}:
        return "amex"
    if digits.startswith("6011") or digits.startswith("65"):
        return "discover"
    return "unknown"


def _letters(seed_bytes, length=20):
    """Lower-case letters only, so no token or reference can ever look like a card number."""
    return "".join(string.ascii_lowercase[byte % 26] for byte in seed_bytes[:length])


class SandboxGateway(PaymentGateway):
    def tokenize(self, *, number, exp_month, exp_year, cvc, name):
        digits = "".join(str(number).split()).replace("-", "")
        if not (digits.isdigit() and 12 <= len(digits) <= 19 and luhn_valid(digits)):
            raise InvalidCard()
        brand = card_brand(digits)
        cvc = str(cvc).strip()
        wanted = 4 if brand == "amex" else 3
        if not (cvc.isdigit() and len(cvc) == wanted):
            raise InvalidCVC(f"The security code (CVC) is {wanted} digits for this card.")
        try:
            exp_month, exp_year = int(exp_month), int(exp_year)
        except (TypeError, ValueError):
            raise CardExpired("Enter the expiry month and year printed on the card.") from None
        today = timezone.localdate()
        if not 1 <= exp_month <= 12 or (exp_year, exp_month) < (today.year, today.month):
            raise CardExpired()
        if digits in EXPIRED_NUMBERS:
            raise CardExpired("The bank reports this card as expired.")
        if digits in DECLINED_NUMBERS:
            raise CardDeclined()
        outcome = "chargefails" if digits in CHARGE_FAILS_NUMBERS else "ok"
        last4 = digits[-4:]
        token = f"{PREFIX}_{outcome}_{brand}_{_letters(secrets.token_bytes(20))}"
        return CardToken(
            token=token, brand=brand, last4=last4, exp_month=exp_month, exp_year=exp_year
        )

    def charge(self, *, token, amount_minor, currency, idempotency_key):
        if not str(token).startswith(PREFIX + "_"):
            raise PaymentError("This card is not known to the payment service.")
        if not isinstance(amount_minor, int) or amount_minor <= 0:
            raise PaymentError("The amount must be a positive number.")
        if token.startswith(f"{PREFIX}_chargefails_"):
            raise CardDeclined()
        digest = hashlib.sha256(f"charge:{idempotency_key}".encode()).digest()
        return ChargeResult(
            reference=f"ch_sandbox_{_letters(digest)}", amount_minor=amount_minor, currency=currency
        )

    def refund(self, *, charge_reference, amount_minor, idempotency_key):
        if not str(charge_reference).startswith("ch_sandbox_"):
            raise PaymentError("This charge is not known to the payment service.")
        if not isinstance(amount_minor, int) or amount_minor <= 0:
            raise PaymentError("The amount must be a positive number.")
        digest = hashlib.sha256(f"refund:{idempotency_key}".encode()).digest()
        return RefundResult(reference=f"re_sandbox_{_letters(digest)}", amount_minor=amount_minor)
