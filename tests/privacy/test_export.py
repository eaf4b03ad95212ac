import csv
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from privacy.services import privacy_export
from users.models import AuditEvent

pytestmark = [
    pytest.mark.django_db,
]

EXPECTED_FILES = {
    "users/profile.csv",
    "users/profile_values.csv",
    "users/audit_events.csv",
    "access/access_grants.csv",
    "access/sublicense_seats.csv",
    "access/bulk_purchases.csv",
    "access/redeemed_codes.csv",
    "activity/attempts.csv",
    "activity/certificates.csv",
    "activity/awards.csv",
    "engagement/content_actions.csv",
    "engagement/progress.csv",
    "payments/cards.csv",
    "payments/subscriptions.csv",
    "payments/purchases.csv",
    "payments/transactions.csv",
    "transcripts/transcript_exports.csv",
}


def open_zip(data):
    archive = zipfile.ZipFile(io.BytesIO(data))
    texts = {name: archive.read(name).decode() for name in archive.namelist()}
    return texts, json.loads(texts["personal-data.json"])["data"]


def rows(texts, name):
    return list(csv.DictReader(io.StringIO(texts[name])))


def test_export_holds_everything_about_the_learner_and_nobody_else(admin_client, make_learner):
    ada = make_learner()
    make_learner(first_name="Grace", last_name="Hopper", email="grace@example.com")

    response = admin_client.post(f"/manage/users/{ada.pk}/privacy/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (f'attachment; filename="personal-data-{ada.pk}.zip"')
    texts, data = open_zip(response.content)
    assert set(texts) >= EXPECTED_FILES
    for name in EXPECTED_FILES - {"users/profile_values.csv"}:
        assert rows(texts, name), f"{name} is empty"
    profile = rows(texts, "users/profile.csv")[0]
    assert profile["email"] == "ada@example.com"
    assert profile["phone"] == "+14155550123"
    assert profile["street"] == "Lovelace Street 12"
    values = {row["key"]: row["value"] for row in data["users"]["profile_values"]}
    assert values["employee-number"] == "EMP-Lovelace"
    assert values["favourite-topic"] == "Gardening of Ada"
    assert values.keys() == set(ada.profile_values.values_list("field__key", flat=True))
    cards = rows(texts, "payments/cards.csv")
    assert {(row["brand"], row["last4"], row["is_default"]) for row in cards} == {
        (card.brand, card.last4, str(card.is_default)) for card in ada.cards.all()
    }
    charges = [row for row in data["payments"]["transactions"] if row["kind"] == "charge"]
    assert sorted(row["amount_minor"] for row in charges) == sorted(
        ada.payment_transactions.filter(kind="charge").values_list("amount_minor", flat=True)
    )
    assert sorted(row["score"] for row in data["activity"]["attempts"]) == sorted(
        ada.assessment_attempts.values_list("score", flat=True)
    )
    assert all(row["verification_code"] for row in data["activity"]["certificates"])
    assert len(data["activity"]["awards"]) == ada.award_grants.count()
    assert {row["action"] for row in data["engagement"]["content_actions"]} >= {
        "viewed",
        "assessment_submitted",
    }
    assert {row["status"] for row in data["engagement"]["progress"]} >= {"completed"}
    assert {row["status"] for row in data["transcripts"]["transcript_exports"]} >= {"ready"}
    assert len(data["access"]["redeemed_codes"]) == 1
    assert len(data["access"]["bulk_purchases"]) == ada.bulk_purchases.count()
    assert {row["subject"] for row in data["users"]["emails"]} >= {"Welcome, Ada"}
    assert len(data["users"]["emails"]) == ada.emails.count()
    actions = {row["action"] for row in data["users"]["audit_events"]}
    assert {"user.updated", "access.granted"} <= actions

    everything = "\n".join(texts.values())
    assert "Grace" not in everything and "Hopper" not in everything
    assert "grace@example.com" not in everything
    assert "4242424242424242" not in everything
    assert ada.password not in everything
    assert "md5$" not in everything and "argon2" not in everything
    assert "token" not in data["payments"]["cards"][0]
    assert not any(card.token in everything for card in ada.cards.all())
    assert AuditEvent.objects.filter(subject=ada, action="privacy.exported").count() == 1


def test_export_is_post_only(admin_client, learner):
    response = admin_client.get(f"/manage/users/{learner.pk}/privacy/export/")

    assert response.status_code == 405


def test_customer_service_may_export_a_learner(support_client, learner):
    response = support_client.post(f"/manage/users/{learner.pk}/privacy/export/")

    assert response.status_code == 200
    texts, data = open_zip(response.content)
    assert data["users"]["profile"][0]["email"] == learner.email


def test_customer_service_may_not_export_an_admin(support_client, admin_user):
    response = support_client.post(f"/manage/users/{admin_user.pk}/privacy/export/")

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="privacy.exported").exists()


def test_learners_get_403(learner_client, learner):
    response = learner_client.post(f"/manage/users/{learner.pk}/privacy/export/")

    assert response.status_code == 403


def test_export_service_refuses_without_permission(learner, support_user, admin_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        privacy_export(user=admin_user, actor=support_user)
    assert privacy_export(user=learner, actor=None)


def test_export_takes_the_same_number_of_queries_for_little_and_much_data(
    admin_user, learner, make_learner
):
    ada = make_learner()
    privacy_export(user=learner, actor=admin_user)  # the admin's permissions are cached
    counts = []
    for user in (learner, ada):
        with CaptureQueriesContext(connection) as queries:
            privacy_export(user=user, actor=admin_user)
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[0] < 40
