"""Two admins give away the last seat of a sublicense at the same moment (PostgreSQL)."""

import functools

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from access import panoramas
from access.models import Sublicense, SublicenseSeat
from tests.access.factories import SublicenseFactory
from tests.factories import AdminFactory, LearnerFactory
from tests.races import at_once

# PostgreSQL only: row locks under concurrency.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_two_admins_one_last_seat_one_wins_one_gets_the_message():
    assert connection.vendor == "postgresql"
    team = SublicenseFactory(name="Last seat", seat_limit=1)
    admins = [AdminFactory(), AdminFactory()]
    learners = [LearnerFactory(), LearnerFactory()]

    def assign(index):
        try:
            panoramas.seat_assign(user=learners[index], sublicense=team, actor=admins[index])
        except ValidationError as error:
            return error.message_dict["sublicense"][0]
        return "seated"

    results = at_once(lambda: assign(0), lambda: assign(1))

    assert sorted(results, key=str).count("seated") == 1
    [message] = [r for r in results if r != "seated"]
    assert "“Last seat” is full" in message
    assert Sublicense.objects.get(pk=team.pk).seats_used == 1
    assert SublicenseSeat.objects.filter(sublicense=team).count() == 1


def test_many_admins_never_overfill():
    team = SublicenseFactory(seat_limit=3)
    admin = AdminFactory()
    learners = LearnerFactory.create_batch(8)

    def assign(learner):
        try:
            panoramas.seat_assign(user=learner, sublicense=team, actor=admin)
        except ValidationError:
            return "full"
        return "seated"

    outcomes = at_once(*[functools.partial(assign, learner) for learner in learners])
    assert outcomes.count("seated") == 3 and outcomes.count("full") == 5
    assert Sublicense.objects.get(pk=team.pk).seats_used == 3
