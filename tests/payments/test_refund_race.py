import pytest
from django.core.exceptions import ValidationError

from payments import services
from payments.models import Transaction
from tests.factories import AdminFactory
from tests.payments.factories import paid_learner
from tests.races import at_once

# PostgreSQL only: row locks under concurrency.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_two_refunds_at_once_never_exceed_the_charge():
    admin = AdminFactory()
    _, [purchase] = paid_learner(amount_minor=10000)
    charge = purchase.charge

    def refund():
        return services.transaction_refund(
            transaction=charge, amount_minor=6000, reason="double click", actor=admin
        )

    outcomes = at_once(refund, refund)
    refunds = [o for o in outcomes if isinstance(o, Transaction)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(refunds) == 1 and len(refused) == 1, outcomes
    charge.refresh_from_db()
    assert charge.refunded_minor == 6000
    assert Transaction.objects.filter(parent=charge).count() == 1


def test_two_refunds_that_fit_both_go_through():
    admin = AdminFactory()
    _, [purchase] = paid_learner(amount_minor=10000)
    charge = purchase.charge

    def refund():
        return services.transaction_refund(
            transaction=charge, amount_minor=5000, reason="split", actor=admin
        )

    outcomes = at_once(refund, refund)
    assert all(isinstance(o, Transaction) for o in outcomes), outcomes
    charge.refresh_from_db()
    assert charge.refunded_minor == 10000
