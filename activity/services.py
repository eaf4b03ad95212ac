"""Every change to activity: check the rule, one transaction, one audit event."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.selectors import has_access
from users import audit
from users.races import create_unless_taken
from users.rules import require, require_can_edit
from users.services import school_settings_update

from .models import (
    MAX_AWARD_QUANTITY,
    ActivitySettings,
    Attempt,
    AwardGrant,
    Certificate,
    CertificateTemplate,
)
from .selectors import attempts_used


def _attempt_label(attempt):
    return f"{attempt.assessment.title}, started {attempt.started_at:%Y-%m-%d %H:%M} UTC"


def _certificate_label(certificate):
    return f"{certificate.title} for {certificate.content.title} ({certificate.verification_code})"


@transaction.atomic
def attempt_start(*, user, assessment):
    """The learner starts an attempt, unless they have used every attempt allowed."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if assessment.max_attempts is not None:
        used = attempts_used(user=user, assessment=assessment)
        if used >= assessment.max_attempts:
            raise ValidationError(
                f"You have used all {assessment.max_attempts} attempts at {assessment.title}."
            )
    attempt = Attempt.objects.create(learner=user, assessment=assessment)
    audit.record(
        actor=user,
        subject=user,
        action="activity.attempt_started",
        changes={"attempt": [None, _attempt_label(attempt)]},
    )
    return attempt


@transaction.atomic
def attempt_submit(*, attempt, score):
    """The learner hands in an attempt; it passes at the assessment's passing score."""
    attempt = (
        Attempt.objects.select_for_update()
        .select_related("assessment", "learner")
        .get(pk=attempt.pk)
    )
    if attempt.submitted_at is not None:
        raise ValidationError("This attempt was already submitted.")
    if not 0 <= score <= 100:
        raise ValidationError({"score": "A score is between 0 and 100."})
    attempt.submitted_at = timezone.now()
    attempt.score = score
    attempt.passed = score >= attempt.assessment.passing_score
    attempt.save(update_fields=["submitted_at", "score", "passed"])
    audit.record(
        actor=attempt.learner,
        subject=attempt.learner,
        action="activity.attempt_submitted",
        changes={"score": [None, score], "passed": [None, attempt.passed]},
    )
    return attempt


def _attempt_to_forgive(*, attempt, actor):
    """The attempt, locked, once the actor may forgive it (or undo its forgiveness)."""
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("assessment", "learner")
        .get(pk=attempt.pk)
    )
    require_can_edit(actor=actor, target=attempt.learner, permission="activity.forgive_attempt")
    return attempt


@transaction.atomic
def attempt_forgive(*, attempt, actor, reason=""):
    """Forgive an attempt: it stays in history but no longer counts toward the limit."""
    attempt = _attempt_to_forgive(attempt=attempt, actor=actor)
    if attempt.forgiven_at is not None:
        return attempt
    attempt.forgiven_at, attempt.forgiven_by = timezone.now(), actor
    attempt.forgive_reason = reason.strip()[:500]
    attempt.save(update_fields=["forgiven_at", "forgiven_by", "forgive_reason"])
    label = _attempt_label(attempt)
    audit.record(
        actor=actor,
        subject=attempt.learner,
        action="activity.attempt_forgiven",
        changes={"attempt": [label, f"{label} (forgiven)"]},
        note=attempt.forgive_reason,
    )
    return attempt


@transaction.atomic
def attempt_unforgive(*, attempt, actor):
    """Undo a forgiveness: the attempt counts toward the limit again."""
    attempt = _attempt_to_forgive(attempt=attempt, actor=actor)
    if attempt.forgiven_at is None:
        return attempt
    reason = attempt.forgive_reason
    attempt.forgiven_at, attempt.forgiven_by, attempt.forgive_reason = None, None, ""
    attempt.save(update_fields=["forgiven_at", "forgiven_by", "forgive_reason"])
    label = _attempt_label(attempt)
    audit.record(
        actor=actor,
        subject=attempt.learner,
        action="activity.attempt_unforgiven",
        changes={"attempt": [f"{label} (forgiven)", label]},
        note=f"Forgiveness undone (it was: {reason})" if reason else "Forgiveness undone",
    )
    return attempt


def _active_template(content):
    return CertificateTemplate.objects.filter(content=content, removed_at__isnull=True).first()


def _issue(*, user, content, template, actor):
    """(certificate, created): the learner's valid certificate, issued if there is none.

    A double-click or two racing requests meet the one-valid-certificate constraint:
    the loser reads the winner's row. An expired certificate is replaced by a new one.
    """
    now = timezone.now()
    replaced = None
    existing = (
        Certificate.objects.select_for_update()
        .filter(learner=user, content=content, revoked_at__isnull=True)
        .first()
    )
    if existing is not None:
        if not existing.is_expired:
            return existing, False, None
        existing.revoked_at, existing.revoked_by = now, actor
        existing.revoke_reason = "Expired; replaced by a new certificate."
        existing.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        replaced = existing
    certificate = create_unless_taken(
        Certificate,
        learner=user,
        content=content,
        template=template,
        title=template.title,
        wording=template.wording,
        issued_at=now,
        issued_by=actor,
        expires_at=now + timedelta(days=template.validity_days) if template.validity_days else None,
    )
    if certificate is None:
        winner = Certificate.objects.get(learner=user, content=content, revoked_at__isnull=True)
        return winner, False, None
    return certificate, True, replaced


def _record_issue(*, certificate, replaced, actor, reason):
    changes = {"certificate": [None, _certificate_label(certificate)]}
    if replaced is not None:
        changes["certificate"][0] = f"{_certificate_label(replaced)} (expired)"
    audit.record(
        actor=actor,
        subject=certificate.learner,
        action="activity.certificate_issued",
        changes=changes,
        note=reason,
    )


@transaction.atomic
def certificate_issue(*, user, content, actor, reason=""):
    """Issue a learner the certificate of a content item they have access to, at once.

    Issuing twice gives one certificate. Needs the content's certificate template: once
    the template is removed from the content, nobody can issue it manually.
    """
    require_can_edit(actor=actor, target=user, permission="activity.issue_certificate")
    template = _active_template(content)
    if template is None:
        raise ValidationError(
            "This content has no certificate: it can no longer be granted manually because "
            "the certificate is no longer linked to the content."
        )
    if not has_access(user, content):
        raise ValidationError(f"{user} has no access to {content}.")
    certificate, created, replaced = _issue(
        user=user, content=content, template=template, actor=actor
    )
    if created:
        _record_issue(
            certificate=certificate, replaced=replaced, actor=actor, reason=reason.strip()[:500]
        )
    return certificate


@transaction.atomic
def certificate_issue_on_completion(*, user, content):
    """The learner completed the content: issue its certificate if it has one (idempotent)."""
    template = _active_template(content)
    if template is None:
        return None
    certificate, created, replaced = _issue(
        user=user, content=content, template=template, actor=None
    )
    if created:
        _record_issue(
            certificate=certificate, replaced=replaced, actor=None, reason="Content completed."
        )
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate, actor, reason):
    """Withdraw a certificate: the verification page then says it was revoked."""
    certificate = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("learner", "content")
        .get(pk=certificate.pk)
    )
    require_can_edit(
        actor=actor, target=certificate.learner, permission="activity.revoke_certificate"
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the certificate is revoked."})
    if certificate.revoked_at is not None:
        return certificate
    certificate.revoked_at, certificate.revoked_by = timezone.now(), actor
    certificate.revoke_reason = reason[:500]
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    label = _certificate_label(certificate)
    audit.record(
        actor=actor,
        subject=certificate.learner,
        action="activity.certificate_revoked",
        changes={"certificate": [label, f"{label} (revoked)"]},
        note=certificate.revoke_reason,
    )
    return certificate


@transaction.atomic
def certificate_template_remove(*, template, actor):
    """Detach a certificate from its content: certificates already issued stay valid."""
    template = CertificateTemplate.objects.select_for_update().get(pk=template.pk)
    if actor is not None:
        require(actor.has_perm("activity.change_certificatetemplate"))
    if template.removed_at is not None:
        return template
    template.removed_at = timezone.now()
    template.save(update_fields=["removed_at"])
    audit.record(
        actor=actor,
        subject=None,
        action="activity.certificate_template_removed",
        changes={"certificate template": [f"{template.title} ({template.content})", None]},
    )
    return template


@transaction.atomic
def award_grant(*, user, award_type, quantity, content, actor, note=""):
    """Give a learner a quantity of one award type for a content item."""
    require_can_edit(actor=actor, target=user, permission="activity.grant_award")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError({"quantity": "Enter a whole number."})
    if not 1 <= quantity <= MAX_AWARD_QUANTITY:
        raise ValidationError({"quantity": f"Enter a whole number from 1 to {MAX_AWARD_QUANTITY}."})
    grant = AwardGrant.objects.create(
        learner=user,
        award_type=award_type,
        quantity=quantity,
        content=content,
        granted_by=actor,
        note=note.strip()[:500],
    )
    audit.record(
        actor=actor,
        subject=user,
        action="activity.award_granted",
        changes={"award": [None, f"{quantity} {award_type.label(quantity)} for {content.title}"]},
        note=grant.note,
    )
    return grant


def activity_settings_update(*, actor, gamification):
    """Turn school-wide gamification on or off (Settings > Activity)."""
    settings_row, _ = school_settings_update(
        model=ActivitySettings,
        actor=actor,
        values={"gamification": gamification},
        permission="activity.change_activitysettings",
        action="activity.settings_changed",
    )
    return settings_row
