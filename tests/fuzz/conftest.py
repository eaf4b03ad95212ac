"""A learner with something in every tab, and a fingerprint of every table we own."""

import hashlib
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from access.models import AccessSettings, Sublicense
from activity.models import ActivitySettings, AwardType
from lms.history import Sizes
from tests.access.factories import PanoramaFactory
from tests.factories import AdminFactory, LearnerFactory
from users.models import Invitation, SchoolSettingsBase

OUR_APPS = ("users", "access", "activity", "engagement", "payments", "transcripts")
# Sessions hold flash messages and CSRF state: not part of a learner's record.
NOT_RECORDS = {"users_usersession"}


def our_tables():
    tables = {
        model._meta.db_table
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed
    }
    return sorted(tables - NOT_RECORDS)


def fingerprint():
    """{table: (rows, digest of every row)}: equal before/after means nothing was written.

    Read in Python, so it works on SQLite (the embedded default) as on PostgreSQL.
    """
    quote = connection.ops.quote_name
    result = {}
    with connection.cursor() as cursor:
        for table in our_tables():
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (our own table names)
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest = hashlib.md5("|".join(rows).encode(), usedforsecurity=False).hexdigest()
            result[table] = (len(rows), digest)
    return result


@dataclass
class World:
    admin: object
    learner: object
    invited: object
    content: object
    other_content: object
    grant: object
    ended_grant: object
    sublicense: object
    attempt: object
    certificate: object
    award_type: object
    card: object
    charge: object
    subscription: object
    transcript_field: object
    invite_token: str


@pytest.fixture
def world(db):
    for model in apps.get_models():
        if issubclass(model, SchoolSettingsBase) and not model._meta.abstract:
            model.load()  # the singletons are created on first read, not by a refused POST
    admin = AdminFactory()
    learner = LearnerFactory(
        first_name="Fuzzy", last_name="Learner", history=Sizes.each(2), history__admin=admin
    )
    made = learner.history
    ActivitySettings.objects.update(gamification=True)
    AccessSettings.objects.update(learner_archiving=True)
    invited = LearnerFactory(email="invited@example.com")
    invited.set_unusable_password()
    invited.save(update_fields=["password"])
    token = "fuzz-invite-token-" + "x" * 20
    Invitation.objects.create(
        user=invited, token_hash=hashlib.sha256(token.encode()).hexdigest(), request_key="k" * 20
    )
    charges = made["charges"]
    return World(
        admin=admin,
        learner=learner,
        invited=invited,
        content=made["contents"][0],
        other_content=made["contents"][1],
        grant=next(g for g in made["content_grants"] if g.parent_id is None),
        ended_grant=made["ended"][0],
        # A Panorama the learner holds no seat in, so a seat can be assigned.
        sublicense=Sublicense.objects.create(panorama=PanoramaFactory(), name="Team Fuzz"),
        attempt=next(a for a in made["attempts"] if a.forgiven_at is None),
        certificate=next(c for c in made["certificates"] if c.revoked_at is None),
        award_type=AwardType.objects.get(singular="Star"),
        card=made["cards"][0],
        charge=next(c for c in charges if c.status == "succeeded" and not c.refunded_minor),
        subscription=next(s for s in made["subscriptions"] if s.status == "active"),
        transcript_field=made["transcript_fields"][0],
        invite_token=token,
    )


@pytest.fixture
def fuzz_client():
    return Client()
