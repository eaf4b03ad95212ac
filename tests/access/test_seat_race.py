"""Two admins give away the last seat of a sublicense at the same moment (PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from access import panoramas
from access.models import Sublicense, SublicenseSeat
from tests.access.factories import SublicenseFactory
from tests.factories import AdminFactory, LearnerFactory

# PostgreSQL only: row locks under concurrency.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_two_admins_one_last_seat_one_wins_one_gets_the_message():
    assert connection.vendor == "postgresql"
    team = SublicenseFactory(name="Last seat", seat_limit=1)
    admins = [AdminFactory(), AdminFactory()]
    learners = [LearnerFactory(), LearnerFactory()]
    barrier = threading.Barrier(2)
    results = [None, None]

    def assign(index):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            panoramas.seat_assign(user=learners[index], sublicense=team, actor=admins[index])
            results[index] = "seated"
        except ValidationError as error:
            results[index] = error.message_dict["sublicense"][0]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=assign, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results, key=str).count("seated") == 1
    [message] = [r for r in results if r != "seated"]
    assert "“Last seat” is full" in message
    assert Sublicense.objects.get(pk=team.pk).seats_used == 1
    assert SublicenseSeat.objects.filter(sublicense=team).count() == 1


def test_many_admins_never_overfill():
    team = SublicenseFactory(seat_limit=3)
    admin = AdminFactory()
    learners = LearnerFactory.create_batch(8)
    barrier = threading.Barrier(len(learners))
    outcomes = []

    def assign(learner):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            panoramas.seat_assign(user=learner, sublicense=team, actor=admin)
            outcomes.append("seated")
        except ValidationError:
            outcomes.append("full")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=assign, args=(learner,)) for learner in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("seated") == 3 and outcomes.count("full") == 5
    assert Sublicense.objects.get(pk=team.pk).seats_used == 3
