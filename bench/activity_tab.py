"""Activity tab and certificate PDF timings with 1, 200 and 2,000 rows of each kind.

Run: DATABASE_URL=... .venv/bin/python bench/activity_tab.py
Everything it creates is rolled back at the end.
"""

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from tests.activity.test_tab_queries import fill  # noqa: E402
from tests.factories import AdminFactory, LearnerFactory  # noqa: E402


class Rollback(Exception):
    pass


def timed(client, url, runs=15):
    client.get(url)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return statistics.median(samples), len(captured)


def main():
    setup_test_environment()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    try:
        with transaction.atomic():
            from activity.models import ActivitySettings

            row = ActivitySettings.load()
            row.gamification = True
            row.save()
            client = Client()
            client.force_login(AdminFactory(email=f"bench-{uuid.uuid4().hex}@school.example"))
            for count in (1, 200, 2000):
                learner = LearnerFactory(email=f"bench-{uuid.uuid4().hex}@example.com")
                fill(learner, count)
                median, queries = timed(client, f"/manage/users/{learner.pk}/activity/")
                print(f"Activity tab, {count:>5} rows each: {median:7.1f} ms, {queries} queries")
            from activity.models import Certificate

            certificate = Certificate.objects.order_by("id").first()
            median, _ = timed(client, f"/certificates/{certificate.pk}/pdf/", runs=5)
            print(f"Certificate PDF (WeasyPrint): {median:7.1f} ms median")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
