"""The payment gateway interface: tokenize a card, charge a token, refund a charge.

A processor plugs in by implementing `PaymentGateway` and naming the class in
`settings.PAYMENT_GATEWAY`. Card numbers and CVCs go to the gateway only; we keep its token.
"""

import abc
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class CardToken:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class ChargeResult:
    reference: str
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class RefundResult:
    reference: str
    amount_minor: int


class PaymentError(Exception):
    """A refusal the person at the form can act on; `field` names the form field it belongs to."""

    field = None
    message = "The payment could not be processed."

    def __init__(self, message=None):
        self.message = message or self.message
        super().__init__(self.message)


class InvalidCard(PaymentError):
    field = "number"
    message = "This card number is not valid. Check the digits."


class CardDeclined(PaymentError):
    field = "number"
    message = "The card was declined. Ask the learner for another card."


class CardExpired(PaymentError):
    field = "exp_year"
    message = "This card has expired."


class InvalidCVC(PaymentError):
    field = "cvc"
    message = "The security code (CVC) is 3 or 4 digits."


class GatewayUnavailable(PaymentError):
    message = "The payment service did not answer. Nothing was charged; try again."


class PaymentGateway(abc.ABC):
    """What every processor offers; amounts are integers in the currency's minor unit."""

    @abc.abstractmethod
    def tokenize(self, *, number, exp_month, exp_year, cvc, name) -> CardToken:
        """Send the card to the processor and return its reusable token."""

    @abc.abstractmethod
    def charge(self, *, token, amount_minor, currency, idempotency_key) -> ChargeResult:
        """Charge a tokenized card; the same idempotency key never charges twice."""

    @abc.abstractmethod
    def refund(self, *, charge_reference, amount_minor, idempotency_key) -> RefundResult:
        """Refund part or all of a charge; the same idempotency key never refunds twice."""


def get_gateway() -> PaymentGateway:
    """The gateway named by settings.PAYMENT_GATEWAY (a dotted path to a class)."""
    return import_string(settings.PAYMENT_GATEWAY)()
