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
from users import field_types
from users.bulk_writes import insert
from users.field_services import choices_from_labels
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
Kind, Type = ProfileField.Kind, ProfileField.Type
FIELD_TYPES = (Type.SHORT_TEXT, Type.NUMBER, Type.DATE, Type.YES_NO, Type.CHOICE)
CHOICES = ("Morning", "Afternoon", "Evening")


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
    """`fields` learner fields of each kind, of varied types, answered by the learner (and
    by another one): reference values set by staff over the years, the custom inputs at
    sign-up and the onboarding survey just after (survey_done_at then)."""
    learner, rng, now, count = story.learner, story.rng, story.now, story.sizes.fields
    fields = ProfileField.objects.bulk_create(
        _field(story.tag, kind, i, cycle(FIELD_TYPES, k * count + i))
        for k, kind in enumerate(Kind.values)
        for i in range(count)
    )
    story.made["learner_fields"] = fields
    if not fields:
        return
    signed_up = min(story.start + timedelta(hours=rng.uniform(1, 24)), now)
    surveyed = min(signed_up + timedelta(minutes=rng.uniform(2, 30)), now)
    peers = [cycle(story.peers, i) for i in range(len(fields))]
    joined = dict(
        type(learner)
        .objects.filter(pk__in=set(filter(None, peers)))
        .values_list("pk", "date_joined")
    )
    joined[learner.pk] = story.start  # build() moves the learner's date_joined there
    values = []
    for i, field in enumerate(fields):
        value = field_types.parse(field, _answer(field, i, story))
        moment = {Kind.REFERENCE: story.ago(story.sizes.days - 1), Kind.SURVEY: surveyed}.get(
            field.kind, signed_up
        )
        for user_id in dict.fromkeys(filter(None, (learner.pk, peers[i]))):
            at = min(max(moment, joined[user_id]), now)
            values.append(ProfileValue(user_id=user_id, field=field, value=value, answered_at=at))
    ProfileValue.objects.bulk_create(values)
    surveys = {}
    for value in values:
        if value.field.kind == Kind.SURVEY:
            surveys.setdefault(value.answered_at, set()).add(value.user_id)
    for moment, user_ids in surveys.items():
        type(learner).objects.filter(pk__in=user_ids, survey_done_at__isnull=True).update(
            survey_done_at=moment
        )
        if learner.pk in user_ids and learner.survey_done_at is None:
            learner.survey_done_at = moment


def _field(tag, kind, i, field_type):
    return ProfileField(
        kind=kind,
        key=f"history-{tag}-{kind}-{i}",
        label=f"{Kind(kind).label} {i + 1}",
        field_type=field_type,
        choices=choices_from_labels(CHOICES) if field_type in field_types.CHOICE_TYPES else [],
        position=i,
    )


def _answer(field, i, story):
    """An answer of the field's type as someone would type it (parse() makes it canonical)."""
    return {
        Type.SHORT_TEXT: f"Answer {story.tag}-{i}",
        Type.NUMBER: str(3 + i * 1.5),
        Type.DATE: (story.start + timedelta(days=i)).date().isoformat(),
        Type.YES_NO: cycle(("Yes", "no"), i),
        Type.CHOICE: cycle(CHOICES, i),
    }[field.field_type]


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
