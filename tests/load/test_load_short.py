"""The load test, CI-sized: 4 admins for 8 s against a real threaded server on the test database.

The full run (20 admins, 60 s, gunicorn) is `bench/load.py`; this one imports its driver and
points it at pytest-django's `live_server`, so it sees the test database.
"""

import pytest

from bench.load import ADMIN_PASSWORD, Results, failed, lost_saves, report, run_load
from tests.factories import AdminFactory, LearnerFactory
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def school():
    admins = [AdminFactory(password=ADMIN_PASSWORD) for _ in range(4)]
    learners = [LearnerFactory(first_name="Start") for _ in range(30)]
    return [(a.email, ADMIN_PASSWORD) for a in admins], [learner.pk for learner in learners]


@pytest.mark.postgres  # concurrent writers: SQLite locks whole tables
def test_four_admins_for_eight_seconds_lose_nothing_and_never_see_a_5xx(live_server, school):
    admins, learner_ids = school
    results = run_load(
        live_server.url, admins=admins, learner_ids=learner_ids, seconds=8, users=4, hot=5
    )
    lost = lost_saves(results)
    lines = []
    report(results, lost, out=lines.append)
    print("\n".join(lines))
    assert not failed(results, lost), "\n".join(lines)
    assert results.requests > 20
    assert results.saves, "no save was acknowledged"
    assert set(results.timings) >= {"search", "save", "tab:details"}


def test_the_lost_save_check_notices_a_save_that_is_not_there(db):
    learner = LearnerFactory(first_name="Kept")
    results = Results(saves=[(learner.pk, "NeverSaved")])
    lost = lost_saves(results)
    assert (learner.pk, "NeverSaved", "0 audit events") in lost
    assert User.objects.get(pk=learner.pk).first_name == "Kept"
