import datetime
import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from activity.models import Certificate
from engagement.models import ContentAction, Progress
from payments.models import Card, Purchase, Subscription, Transaction
from privacy.services import erasure_cancel, erasure_perform, erasure_request, process_due_erasures
from privacy.tasks import process_erasures
from tests.factories import PASSWORD, AdminFactory, LearnerFactory, SupportFactory
from tests.privacy.conftest import after_window
from transcripts.models import TranscriptExport
from users.models import (
    AuditEvent,
    ErasureRequest,
    OutboundEmail,
    ProfileValue,
    User,
    UserSession,
)

pytestmark = [
    pytest.mark.django_db,
]


def schedule(learner, admin, reason="The learner asked us to delete their data."):
    return erasure_request(user=learner, actor=admin, reason=reason)


def test_request_schedules_erasure_seven_days_ahead(admin_user, learner):
    before = timezone.now()

    request = schedule(learner, admin_user)

    assert request.requested_by == admin_user
    assert before + datetime.timedelta(days=7) <= request.due_at
    assert request.due_at <= timezone.now() + datetime.timedelta(days=7)
    event = AuditEvent.objects.get(subject=learner, action="privacy.erasure_requested")
    assert event.actor_label == admin_user.email
    assert event.note == "The learner asked us to delete their data."


def test_nothing_is_erased_before_the_window_ends(admin_user, learner):
    request = schedule(learner, admin_user)

    too_early = request.due_at - datetime.timedelta(seconds=1)
    assert erasure_perform(request=request, now=too_early) is None
    call_command("process_erasures")

    learner.refresh_from_db()
    assert learner.is_active and learner.email.endswith("@example.com")
    request.refresh_from_db()
    assert request.completed_at is None


def test_daily_job_erases_due_requests_once(admin_user, learner):
    request = schedule(learner, admin_user)
    ErasureRequest.objects.filter(pk=request.pk).update(
        due_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert process_erasures.delay().get() == 1
    assert process_due_erasures() == 0
    call_command("process_erasures")

    learner.refresh_from_db()
    assert learner.email == f"erased-{learner.pk}@erased.invalid"
    assert AuditEvent.objects.filter(subject=learner, action="privacy.erased").count() == 1


def test_cancel_stops_the_erasure(admin_user, learner):
    request = schedule(learner, admin_user)

    erasure_cancel(request=request, actor=admin_user)

    assert erasure_perform(request=request, now=after_window()) is None
    learner.refresh_from_db()
    assert learner.is_active
    request.refresh_from_db()
    assert request.cancelled_by == admin_user
    assert AuditEvent.objects.filter(subject=learner, action="privacy.erasure_cancelled").exists()
    with pytest.raises(PermissionDenied):
        erasure_cancel(request=request, actor=admin_user)
    assert schedule(learner, admin_user).is_open


def test_second_request_is_refused_and_the_database_enforces_it(admin_user, learner):
    first = schedule(learner, admin_user)

    with pytest.raises(ValidationError, match="already scheduled"):
        schedule(learner, admin_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        ErasureRequest.objects.create(
            user=learner, reason="again", due_at=first.due_at, requested_by=admin_user
        )
    assert ErasureRequest.objects.filter(user=learner).count() == 1


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_reason_is_required_and_bounded(admin_user, learner, reason):
    with pytest.raises(ValidationError) as error:
        schedule(learner, admin_user, reason=reason)
    assert "reason" in error.value.message_dict
    assert not ErasureRequest.objects.exists()


def test_only_learners_can_be_erased(admin_user):
    with pytest.raises(ValidationError):
        schedule(SupportFactory(), admin_user)
    with pytest.raises(ValidationError):
        schedule(AdminFactory(), admin_user)


def test_customer_service_cannot_erase(support_user, learner):
    with pytest.raises(PermissionDenied):
        schedule(learner, support_user)


def test_erase_effects_in_every_app(
    admin_user, make_learner, client, django_capture_on_commit_callbacks
):
    ada = make_learner()
    grace = make_learner(first_name="Grace", last_name="Hopper", email="grace@example.com")
    client.force_login(ada)
    certificate = Certificate.objects.filter(learner=ada, revoked_at__isnull=True).first()
    exports = TranscriptExport.objects.filter(learner=ada).exclude(file="")
    pdf_paths = [export.file.path for export in exports]
    assert pdf_paths and all(os.path.exists(path) for path in pdf_paths)
    amounts = sorted(Transaction.objects.filter(learner=ada).values_list("amount_minor", flat=True))
    purchases = Purchase.objects.filter(learner=ada).count()
    actions_before = ContentAction.objects.count()
    progress_before = Progress.objects.count()
    assert UserSession.objects.filter(user_id=ada.pk).exists()
    before = client.get(f"/certificates/verify/{certificate.verification_code}/")
    assert "Ada Lovelace" in before.content.decode()
    request = schedule(ada, admin_user, reason="Ada Lovelace wrote in asking to be forgotten.")

    with django_capture_on_commit_callbacks(execute=True):
        assert erasure_perform(request=request, now=after_window()) is not None

    ada.refresh_from_db()
    assert (ada.first_name, ada.last_name) == ("Erased", "learner")
    assert ada.email == f"erased-{ada.pk}@erased.invalid"
    assert (ada.phone, ada.street, ada.city, ada.postal_code) == ("", "", "", "")
    assert not ada.is_active and not ada.has_usable_password()
    assert not ProfileValue.objects.filter(user=ada).exists()
    assert not UserSession.objects.filter(user_id=ada.pk).exists()
    assert not ada.check_password(PASSWORD)
    # Sent mail stays counted, to an erased address, without a body; a subject naming her goes.
    sent = OutboundEmail.objects.filter(user=ada)
    assert {(e.to, e.body) for e in sent} == {(ada.email, "")}
    assert "[erased]" in {e.subject for e in sent}
    assert not any("Ada" in e.subject for e in sent)
    # Payments: money records kept with their amounts; cards and renewals gone.
    assert (
        sorted(Transaction.objects.filter(learner=ada).values_list("amount_minor", flat=True))
        == amounts
    )
    assert Purchase.objects.filter(learner=ada).count() == purchases
    assert not Card.objects.filter(learner=ada).exists()
    assert not Subscription.objects.filter(learner=ada, status__in=Subscription.CURRENT).exists()
    # Statistics: every action and progress row is still counted.
    assert ContentAction.objects.count() == actions_before
    assert Progress.objects.count() == progress_before
    # Transcripts: the stored PDFs are gone.
    assert not TranscriptExport.objects.filter(learner=ada).exists()
    assert not any(os.path.exists(path) for path in pdf_paths)
    # Access: grant notes that named her are gone.
    assert not ada.access_grants.filter(note__icontains="Ada").exists()
    # Activity: the certificate's code still verifies, without her name.
    page = client.get(f"/certificates/verify/{certificate.verification_code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert certificate.verification_code in html
    assert "Lovelace" not in html and "Ada" not in html
    # Audit: the admin's name stays, her personal data does not.
    events = list(AuditEvent.objects.filter(subject=ada))
    text = repr([(e.changes, e.note, e.actor_label, e.real_actor_label) for e in events])
    for personal in ("Lovelace", "ada@example.com", "4155550123", "EMP-Lovelace", "Gardening"):
        assert personal not in text
    assert "Ada" not in text
    assert admin_user.email in {event.actor_label for event in events}
    assert "user.updated" in {event.action for event in events}
    erased = AuditEvent.objects.get(subject=ada, action="privacy.erased")
    assert erased.actor_label == "system"
    # The other learner is untouched.
    grace.refresh_from_db()
    assert grace.email == "grace@example.com" and grace.is_active
    assert Card.objects.filter(learner=grace).exists()
    grace_text = repr(list(AuditEvent.objects.filter(subject=grace).values("changes", "note")))
    assert "Hopper" in grace_text


def test_erased_learner_cannot_sign_in_nor_be_erased_again(admin_user, learner, client):
    request = schedule(learner, admin_user)
    erasure_perform(request=request, now=after_window())

    client.post("/sign_in", {"email": learner.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email=learner.email).exclude(pk=learner.pk).exists()
    with pytest.raises(ValidationError):
        schedule(User.objects.get(pk=learner.pk), admin_user)
    assert LearnerFactory().is_active
