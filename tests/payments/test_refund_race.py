import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from payments import services
from payments.models import Transaction
from tests.factories import AdminFactory
from tests.payments.factories import paid_learner

# PostgreSQL only: row locks under concurrency.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_refunds_at_once_never_exceed_the_charge():
    admin = AdminFactory()
    _, [purchase] = paid_learner(amount_minor=10000)
    charge = purchase.charge

    def refund():
        return services.transaction_refund(
            transaction=charge, amount_minor=6000, reason="double click", actor=admin
        )

    outcomes = run_together(refund, refund)
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

    outcomes = run_together(refund, refund)
    assert all(isinstance(o, Transaction) for o in outcomes), outcomes
    charge.refresh_from_db()
    assert charge.refunded_minor == 10000
