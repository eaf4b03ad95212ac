import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from privacy.services import erasure_request
from tests.factories import AdminFactory, LearnerFactory
from users.models import ErasureRequest

# PostgreSQL only: two requests at once (SQLite locks whole tables).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_two_admins_requesting_at_once_schedule_one_erasure():
    learner = LearnerFactory()
    admins = [AdminFactory(), AdminFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def request(admin):
        try:
            barrier.wait()
            erasure_request(user=learner, actor=admin, reason="Asked twice.")
            outcomes.append("scheduled")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(admin,)) for admin in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [
        "An erasure of this learner is already scheduled.",
        "scheduled",
    ]
    assert ErasureRequest.objects.filter(user=learner).count() == 1
