"""The record around the learning: transcript fields and PDF exports, learner fields with
values, the History (audit events), e-mails and invitations, impersonations, erasure
requests (cancelled)."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from transcripts.models import (
    TranscriptExport,
    TranscriptField,
    TranscriptFieldValue,
    TranscriptSettings,
)
from transcripts.selectors import BUILTIN_COLUMNS
from users.bulk_writes import insert
from users.models import (
    AuditEvent,
    ErasureRequest,
    ImpersonationSession,
    Invitation,
    OutboundEmail,
    ProfileField,
    ProfileValue,
)

from .story import cycle

# Sent and failed first: a short history (the demo's) has no mail waiting to go out.
EMAIL_STATUSES = (
    OutboundEmail.Status.SENT,
    OutboundEmail.Status.FAILED,
    OutboundEmail.Status.PENDING,
    OutboundEmail.Status.SENDING,
)
CITIES = ("Porto", "Lisbon", "Oslo", "Osaka", "Austin", "Lagos", "Lyon")
AUDITED = ("user.updated", "access.granted", "activity.certificate_issued")


def transcript(story):
    """`fields` transcript columns (credits on the items), failed exports and a ready PDF."""
    sizes, learner, admin, now, tag = story.sizes, story.learner, story.admin, story.now, story.tag
    fields = TranscriptField.objects.bulk_create(
        TranscriptField(
            name=f"{'Credits' if i % 2 == 0 else 'Provider'} {tag}-{i}",
            kind=TranscriptField.Kind.NUMBER if i % 2 == 0 else TranscriptField.Kind.TEXT,
        )
        for i in range(sizes.fields)
    )
    TranscriptFieldValue.objects.bulk_create(
        TranscriptFieldValue(field=field, content=content, value=str(j + 1))
        for j, field in enumerate(fields[:3])
        for content in story.made["contents"]
    )
    if fields:
        settings = TranscriptSettings.load()
        settings.columns = [*BUILTIN_COLUMNS, *(field.column_key for field in fields)]
        settings.credits_field = fields[0]
        settings.save()
    TranscriptExport.objects.bulk_create(
        TranscriptExport(
            learner=learner,
            requested_by=admin,
            status=TranscriptExport.Status.FAILED,
            error="Renderer stopped",
            attempts=3,
            created_at=now - timedelta(days=1 + i),
        )
        for i in range(sizes.records - 1)
    )
    if sizes.records:
        name = default_storage.save(
            f"transcripts/history-{tag}.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n")
        )
        ready = TranscriptExport.objects.create(
            learner=learner,
            requested_by=admin,
            status=TranscriptExport.Status.READY,
            file=name,
            started_at=now,
            finished_at=now,
        )
        story.made["export"] = ready
    story.made["transcript_fields"] = fields


def learner_fields(story):
    """`fields` learner fields of each kind, answered by the learner (and by another one)."""
    tag, learner = story.tag, story.learner
    fields = ProfileField.objects.bulk_create(
        ProfileField(kind=kind, key=f"history-{tag}-{kind}-{i}", label=f"{kind} {i}", position=i)
        for kind in ProfileField.Kind.values
        for i in range(story.sizes.fields)
    )
    ProfileValue.objects.bulk_create(
        ProfileValue(user_id=user_id, field=field, value=f"Answer {i}")
        for i, field in enumerate(fields)
        for user_id in dict.fromkeys(filter(None, (learner.pk, cycle(story.peers, i))))
    )


def history(story):
    """`audit` History events, by the admin, oldest first (each one version later)."""
    admin, learner = story.admin, story.learner
    times = sorted(story.ago(story.sizes.days - 1) for _ in range(story.sizes.audit))
    insert(
        AuditEvent,
        [
            {
                "created_at": moment,
                "actor_id": admin.pk if admin else None,
                "actor_label": admin.email if admin else "system",
                "subject_id": learner.pk,
                "action": cycle(AUDITED, i),
                "changes": {"city": [cycle(CITIES, i), cycle(CITIES, i + 1)]} if i % 3 == 0 else {},
                "subject_version": i + 1,
                "note": f"Ticket {story.tag}-{i}" if i % 4 == 0 else "",
            }
            for i, moment in enumerate(times)
        ],
    )


def messages_and_support(story):
    """`records` e-mails (each an invitation), impersonations and cancelled erasure requests."""
    sizes, learner, admin, now, tag = story.sizes, story.learner, story.admin, story.now, story.tag
    emails = OutboundEmail.objects.bulk_create(
        OutboundEmail(
            key=f"history-{tag}-email-{i}",
            user=learner,
            to=learner.email,
            subject=cycle(("Your invitation", "Your certificate", "Access ends soon"), i),
            body="",
            status=cycle(EMAIL_STATUSES, i),
            attempts=i % 4,
            last_error="SMTP 451" if i % 4 == 3 else "",
            created_at=now - timedelta(minutes=i),
        )
        for i in range(sizes.records)
    )
    Invitation.objects.bulk_create(
        Invitation(
            user=learner,
            token_hash=f"history-{tag}-token-{i}",
            request_key=f"history-{tag}-request-{i}",
            created_at=now - timedelta(days=i),
            created_by=admin,
            email=email,
        )
        for i, email in enumerate(emails)
    )
    if admin is not None:
        ImpersonationSession.objects.bulk_create(
            ImpersonationSession(
                admin=admin,
                learner_id=learner.pk if i % 2 or not story.peers else cycle(story.peers, i),
                reason=f"Support ticket {tag}-{i}",
                started_at=now - timedelta(hours=i + 1),
                ended_at=now - timedelta(hours=i + 1, minutes=-5),
                ended_by=ImpersonationSession.EndedBy.BUTTON,
                ip_address="127.0.0.1",
            )
            for i in range(sizes.records)
        )
        ErasureRequest.objects.bulk_create(
            ErasureRequest(
                user=learner,
                requested_by=admin,
                requested_at=now - timedelta(days=30 + i),
                reason="Asked twice",
                due_at=now - timedelta(days=23 + i),
                cancelled_at=now - timedelta(days=29 + i),
                cancelled_by=admin,
            )
            for i in range(sizes.records)
        )
    story.made["emails"] = emails


PARTS = (transcript, learner_fields, history, messages_and_support)
