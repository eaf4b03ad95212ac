import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.conf import settings as django_settings  # noqa: E402

from lms.celery import app as celery_app  # noqa: E402
from tests.factories import AdminFactory, LearnerFactory, SupportFactory  # noqa: E402

ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
ON_REDIS = bool(django_settings.REDIS_URL)


def pytest_collection_modifyitems(config, items):
    """On the embedded default (SQLite, no broker), skip what needs the real services.

    `postgres`: row locks under concurrency, search plans, server-side cursors. `redis`: a
    real broker and Celery worker processes, which share the test database with the tests
    (so PostgreSQL too). Everything else runs on both.
    """
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL pass of CI)")
    skip_redis = pytest.mark.skip(
        reason="needs Redis, worker processes and a shared PostgreSQL (PostgreSQL pass of CI)"
    )
    for item in items:
        if item.get_closest_marker("redis") and not (ON_REDIS and ON_POSTGRES):
            item.add_marker(skip_redis)
        elif item.get_closest_marker("postgres") and not ON_POSTGRES:
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def _fast_tests(settings):
    """A fast hasher, tasks in-process unless a test starts a real worker, and templates
    that may not query the database (whatever DEBUG an .env sets)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TEMPLATE_QUERIES_FORBIDDEN = True
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def support_user(db):
    return SupportFactory()


@pytest.fixture
def learner(db):
    return LearnerFactory()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def support_client(client, support_user):
    client.force_login(support_user)
    return client


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client
