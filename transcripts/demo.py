"""Demo transcripts: sensible columns, a footer, and CEU credits on the demo catalog."""

from decimal import Decimal

from access.models import Content
from users.models import ProfileField

from . import services
from .models import TranscriptField, TranscriptFieldValue, TranscriptSettings

CEU = "CEU credits"
COLUMNS = ["title", "kind", "completed_at", "score", "time_spent", "credits", "certificate_code"]
TITLE = "Official Transcript"
FOOTER = (
    "Continuing Education Units (CEU) are awarded in line with the school's accreditation; "
    "one CEU equals ten contact hours."
)
CREDIT_STEPS = [Decimal("0.5"), Decimal("1"), Decimal("1.5"), Decimal("2"), Decimal("3")]


def seed(*, rng, log):
    """Transcript settings (the school's reference fields under the learner's name) and CEU
    credits for every content item still without a value."""
    ceu = TranscriptField.objects.filter(name=CEU).first()
    if ceu is None:
        ceu = services.transcript_field_create(
            actor=None, name=CEU, kind=TranscriptField.Kind.NUMBER, show=False
        )
    settings = TranscriptSettings.load()
    if settings.credits_field_id is None:
        references = ProfileField.objects.filter(
            kind=ProfileField.Kind.REFERENCE, retired_at__isnull=True
        )
        services.transcript_settings_update(
            actor=None,
            title=TITLE,
            footer=FOOTER,
            columns=COLUMNS,
            credits_field=ceu,
            learner_fields=list(references.values_list("key", flat=True)),
        )
    missing = Content.objects.exclude(
        pk__in=TranscriptFieldValue.objects.filter(field=ceu).values("content_id")
    ).order_by("id")
    values = {content: str(rng.choice(CREDIT_STEPS)) for content in missing}
    if values:
        services.transcript_field_values_set(actor=None, field=ceu, values=values)
    log(f"  transcripts: {CEU} on {len(values)} more content items")
