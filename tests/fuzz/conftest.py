"""A learner with something in every tab, and a fingerprint of every table we own."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone

from access.models import AccessGrant, AccessSettings, Sublicense
from access.services import access_expire_due, access_grant
from activity.models import ActivitySettings, Certificate
from payments.models import Subscription
from payments.services import purchase_create, subscription_start
from tests.access.factories import ContentFactory, PanoramaFactory, PlanFactory
from tests.activity.factories import AssessmentFactory, AttemptFactory, AwardTypeFactory
from tests.factories import AdminFactory, LearnerFactory
from tests.payments.factories import add_card
from tests.transcripts.factories import InProgressFactory, TranscriptFieldFactory
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
    learner = LearnerFactory(first_name="Fuzzy", last_name="Learner")
    content = ContentFactory(title="Fuzzing 101")
    other_content = ContentFactory(title="Fuzzing 201")
    grant = access_grant(user=learner, item=content, actor=None)
    ended_grant = access_grant(
        user=learner, item=other_content, actor=None, expires_at=timezone.now() + timedelta(days=1)
    )
    AccessGrant.objects.filter(pk=ended_grant.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    access_expire_due()
    ActivitySettings.objects.update(gamification=True)
    AccessSettings.objects.update(learner_archiving=True)
    sublicense = Sublicense.objects.create(panorama=PanoramaFactory(), name="Team Fuzz")
    attempt = AttemptFactory(learner=learner, assessment=AssessmentFactory(content=content))
    certificate = Certificate.objects.create(learner=learner, content=content, title="Cert")
    award_type = AwardTypeFactory()
    card = add_card(learner)
    charge = purchase_create(
        user=learner, item=ContentFactory(), amount_minor=4900, currency="USD", actor=None
    ).charge
    plan = PlanFactory()
    subscription = _subscription(learner, plan)
    InProgressFactory(learner=learner, content=content)
    transcript_field = TranscriptFieldFactory()
    invited = LearnerFactory(email="invited@example.com")
    invited.set_unusable_password()
    invited.save(update_fields=["password"])
    token = "fuzz-invite-token-" + "x" * 20
    Invitation.objects.create(
        user=invited, token_hash=hashlib.sha256(token.encode()).hexdigest(), request_key="k" * 20
    )
    return World(
        admin=admin,
        learner=learner,
        invited=invited,
        content=content,
        other_content=other_content,
        grant=grant,
        ended_grant=ended_grant,
        sublicense=sublicense,
        attempt=attempt,
        certificate=certificate,
        award_type=award_type,
        card=card,
        charge=charge,
        subscription=subscription,
        transcript_field=transcript_field,
        invite_token=token,
    )


def _subscription(learner, plan):
    subscription_start(user=learner, plan=plan, actor=None, amount_minor=1000)
    return Subscription.objects.get(learner=learner, plan=plan)


@pytest.fixture
def fuzz_client():
    return Client()
