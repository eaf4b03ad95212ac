"""The activity app's part of a privacy request (privacy/services.py runs it)."""

from activity.models import Attempt, AwardGrant, Certificate
from privacy.rows import ERASED, plain_rows


def export(user):
    """Assessment attempts, certificates and awards."""
    return {
        "attempts": plain_rows(
            Attempt.objects.filter(learner=user).order_by("started_at", "id"),
            "started_at",
            "submitted_at",
            "score",
            "passed",
            "forgiven_at",
            "forgive_reason",
            assessment="assessment__title",
            content="assessment__content__title",
        ),
        "certificates": plain_rows(
            Certificate.objects.filter(learner=user).order_by("issued_at", "id"),
            "title",
            "verification_code",
            "issued_at",
            "expires_at",
            "revoked_at",
            "revoke_reason",
            content="content__title",
        ),
        "awards": plain_rows(
            AwardGrant.objects.filter(learner=user).order_by("granted_at", "id"),
            "quantity",
            "granted_at",
            "note",
            award_type="award_type__singular",
            content="content__title",
        ),
    }


def erase(user):
    """Attempts, certificates (and their codes) and awards stay; staff notes about them go.

    The public verification page names the holder from the (now anonymised) user record.
    """
    attempts = (
        Attempt.objects.filter(learner=user)
        .exclude(forgive_reason="")
        .update(forgive_reason=ERASED)
    )
    certificates = (
        Certificate.objects.filter(learner=user)
        .exclude(revoke_reason="")
        .update(revoke_reason=ERASED)
    )
    awards = AwardGrant.objects.filter(learner=user).exclude(note="").update(note=ERASED)
    return {
        "attempt_reasons_erased": attempts,
        "certificate_reasons_erased": certificates,
        "award_notes_erased": awards,
    }
