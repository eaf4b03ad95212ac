import functools

import pytest
from django.core.exceptions import ValidationError

from privacy.services import erasure_request
from tests.factories import AdminFactory, LearnerFactory
from tests.races import at_once
from users.models import ErasureRequest

# PostgreSQL only: two requests at once (SQLite locks whole tables).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_two_admins_requesting_at_once_schedule_one_erasure():
    learner = LearnerFactory()
    admins = [AdminFactory(), AdminFactory()]

    def request(admin):
        try:
            erasure_request(user=learner, actor=admin, reason="Asked twice.")
        except ValidationError as error:
            return error.messages[0]
        return "scheduled"

    outcomes = at_once(*[functools.partial(request, admin) for admin in admins])

    assert sorted(outcomes) == [
        "An erasure of this learner is already scheduled.",
        "scheduled",
    ]
    assert ErasureRequest.objects.filter(user=learner).count() == 1
