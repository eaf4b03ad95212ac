"""Every change to a user: check the rule, one transaction, one audit event."""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from . import audit, details, field_services, outbox
from .models import (
    ImpersonationSession,
    Invitation,
    OutboundEmail,
    ProfileField,
    User,
    UserSettings,
)
from .races import create_unless_taken
from .roles import RANK, Role, rank_of
from .rules import can_impersonate, require, require_can_edit
from .sessions import end_sessions

INVITATION_DAYS = 7


def send_email_on_commit(*, key, subject, body, to, user=None):
    """Write an e-mail to the outbox with this change; it is sent once the change commits."""
    return outbox.enqueue(key=key, to=to, subject=subject, body=body, user=user)


@transaction.atomic
def email_retry(*, email, actor):
    """Send a failed e-mail again (the Retry button next to it)."""
    email = OutboundEmail.objects.select_for_update().get(pk=email.pk)
    if email.user is not None:
        require_can_edit(actor=actor, target=email.user)
    else:
        require(actor is None or actor.is_superuser, "Only operators retry system e-mails.")
    if email.status != OutboundEmail.Status.FAILED:
        return email
    email.status, email.attempts, email.next_attempt_at = OutboundEmail.Status.PENDING, 0, None
    email.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit.record(
        actor=actor,
        subject=email.user,
        action="email.retried",
        changes={"email": [email.last_error, email.subject]},
    )
    transaction.on_commit(lambda: outbox.dispatch(email.pk))
    return email


@transaction.atomic
def staff_create(*, email, role, password, actor=None):
    """Create (or promote) a staff member; used by the create_staff command."""
    role = Role(role)
    if role == Role.LEARNER:
        raise ValueError("Staff must be Admin or Customer Service.")
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("Only operators and superusers create staff accounts.")
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email__iexact=email, learner_record_of__isnull=True).first()
    created = user is None
    if created:
        user = User.objects.create_user(email, password)
    else:
        user.set_password(password)
        user.version += 1
        user.save(update_fields=["password", "version"])
    details.roles_set([(user, role)])
    audit.record(
        actor=actor,
        subject=user,
        action="staff.created" if created else "staff.updated",
        changes={"role": [None, role.label], "password": [audit.REDACTED, audit.REDACTED]},
    )
    return user


def _own_password_set(*, user, password, action, also=(), more_changes=None):
    """The user sets their own password; `also` names other fields already set on them,
    `more_changes` other changes to record in the same event."""
    user.set_password(password)
    user.version += 1
    user.save(update_fields=["password", *also, "version"])
    audit.record(
        actor=user,
        subject=user,
        action=action,
        changes={"password": [audit.REDACTED, audit.REDACTED], **(more_changes or {})},
    )


@transaction.atomic
def password_reset_complete(*, user, password):
    """A user sets a new password through the Forgot Password link."""
    user = details.locked(user)
    _own_password_set(user=user, password=password, action="password.reset")
    end_sessions(user)
    return user


STATUS_LABEL = {True: "Active", False: "Disabled"}  # by is_active


def _active_set(*, user, actor, active, reason):
    """(user, changed): a user already in the asked state stays as is, with no audit event."""
    user = details.locked(user)
    require_can_edit(actor=actor, target=user)
    if not active:
        require(actor is None or actor.pk != user.pk, "You cannot disable your own account.")
    if user.is_active == active:
        return user, False
    user.is_active = active
    user.version += 1
    user.save(update_fields=["is_active", "version"])
    if not active:
        end_sessions(user)
    audit.record(
        actor=actor,
        subject=user,
        action="user.enabled" if active else "user.disabled",
        changes={"status": [STATUS_LABEL[not active], STATUS_LABEL[active]]},
        note=reason,
    )
    return user, True


@transaction.atomic
def user_disable(*, user, actor, reason=""):
    """Disable a user: they cannot sign in, and every session they have ends now.

    Returns (user, changed): a disabled user stays as is, with no audit event."""
    return _active_set(user=user, actor=actor, active=False, reason=reason)


@transaction.atomic
def user_enable(*, user, actor, reason=""):
    """Let a disabled user sign in again. Returns (user, changed), as `user_disable`."""
    return _active_set(user=user, actor=actor, active=True, reason=reason)


def invite_offered(user):
    """Resend Invite is offered to active users who have never signed in nor accepted one."""
    return user.is_active and user.last_login is None and user.invite_accepted_at is None


def invite_unavailable_reason(user):
    if not user.is_active:
        return "This user is disabled: enable them before sending an invitation."
    return (
        "This user has already signed in, so there is no invitation to resend. "
        "Ask them to use Forgot Password on the /sign_in page to set a new password."
    )


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite_send(*, user, actor, request_key, link_base):
    """Send (or resend) the invitation e-mail; the same click (request_key) sends once."""
    user = details.locked(user)
    require_can_edit(actor=actor, target=user)
    require(invite_offered(user), invite_unavailable_reason(user))
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = create_unless_taken(
        Invitation,
        user=user,
        token_hash=_token_hash(token),
        request_key=request_key[:64],
        created_by=actor,
        created_at=now,
    )
    if invitation is None:
        return None  # this click was already handled
    previous = user.invited_at
    user.invited_at = now
    user.version += 1
    user.save(update_fields=["invited_at", "version"])
    audit.record(
        actor=actor,
        subject=user,
        action="invite.sent",
        changes={"invited_at": [previous.isoformat() if previous else None, now.isoformat()]},
    )
    link = f"{link_base.rstrip('/')}/invite/{token}/"
    invitation.email = send_email_on_commit(
        key=f"invitation:{invitation.pk}",
        subject="You are invited to your school",
        body=render_to_string("users/email/invitation.txt", {"user": user, "link": link}),
        to=user.email,
        user=user,
    )
    invitation.save(update_fields=["email"])
    return invitation


def invitation_for_token(token):
    """The open invitation this token belongs to, or None if unknown, used, or too old."""
    invitation = (
        Invitation.objects.select_related("user").filter(token_hash=_token_hash(token)).first()
    )
    if invitation is None or invitation.accepted_at is not None:
        return None
    if invitation.created_at < timezone.now() - timezone.timedelta(days=INVITATION_DAYS):
        return None
    if not invitation.user.is_active:
        return None
    newest = Invitation.objects.filter(user=invitation.user).order_by("-created_at", "-id").first()
    return invitation if newest.pk == invitation.pk else None


@transaction.atomic
def invite_accept(*, invitation, password, answers=None):
    """The invited person sets their password and answers the custom sign-up inputs
    ({ProfileField: canonical text}); the invitation is used up. One audit event."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation was already used.")
    user = details.locked(invitation.user)
    now = timezone.now()
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    user.invite_accepted_at = now
    answers = answers or {}
    if any(field.kind != ProfileField.Kind.CUSTOM_INPUT for field in answers):
        raise ValidationError("Only custom sign-up inputs are asked with an invitation.")
    _own_password_set(
        user=user,
        password=password,
        action="invite.accepted",
        also=["invite_accepted_at"],
        more_changes=field_services.answers_write(user, answers),
    )
    return user


@transaction.atomic
def dual_role_learner_record_create(*, manager, actor):
    """Dual Role: give a manager a separate learner record under the same e-mail."""
    manager = details.locked(manager)
    require_can_edit(actor=actor, target=manager)
    require(UserSettings.load().dual_role, "Dual Role is switched off for this school.")
    require(rank_of(manager) >= RANK[Role.CUSTOMER_SERVICE], "Only managers have Dual Role.")
    existing = User.objects.filter(learner_record_of=manager).first()
    if existing is not None:
        return existing
    learner = User.objects.create(
        email=manager.email,
        first_name=manager.first_name,
        last_name=manager.last_name,
        learner_record_of=manager,
    )
    learner.set_unusable_password()
    learner.save(update_fields=["password"])
    audit.record(
        actor=actor,
        subject=manager,
        action="dual_role.learner_record_created",
        changes={"learner_record": [None, learner.pk]},
    )
    return learner


@transaction.atomic
def user_settings_update(*, actor, values):
    """Change the school-wide user switches (Dual Role, impersonation); returns what changed
    ({field: [old, new]}, empty when nothing did: then no audit event)."""
    _, changes = school_settings_update(
        model=UserSettings,
        actor=actor,
        values=values,
        permission="users.change_usersettings",
        action="settings.users.updated",
    )
    return changes


@transaction.atomic
def school_settings_update(*, model, actor, values, permission, action):
    """Set some fields of a school-wide settings row (a SchoolSettingsBase subclass):
    (the row, {field: [old, new]}). When nothing changes: no save and no audit event."""
    require(
        actor is None or actor.has_perm(permission),
        "Your role does not allow changing school settings.",
    )
    current = model.objects.select_for_update().get(pk=model.load().pk)
    changes = {}
    for field, value in values.items():
        if getattr(current, field) != value:
            changes[field] = [getattr(current, field), value]
            setattr(current, field, value)
    if changes:
        current.save(update_fields=list(changes))
        audit.record(actor=actor, subject=None, action=action, changes=changes)
    return current, changes


@transaction.atomic
def impersonation_start(*, admin, learner, reason, ip_address=None, user_agent=""):
    """Log the start of an impersonation (the session swap is django-hijack's)."""
    require(can_impersonate(actor=admin, target=learner), "You may not impersonate this user.")
    session = ImpersonationSession.objects.create(
        admin=admin,
        learner=learner,
        reason=reason[:200],
        ip_address=ip_address,
        user_agent=user_agent[:300],
    )
    audit.record(
        actor=admin,
        subject=learner,
        action="impersonation.started",
        changes={"reason": [None, session.reason]},
        note=session.reason,
    )
    if UserSettings.load().notify_impersonation:
        send_email_on_commit(
            key=f"impersonation:{session.pk}",
            user=learner,
            subject="Our support team accessed your account",
            body=render_to_string(
                "users/email/impersonation_notice.txt",
                {"learner": learner, "reason": session.reason, "when": session.started_at},
            ),
            to=learner.email,
        )
    return session


@transaction.atomic
def impersonation_end(*, session_id, learner, ended_by, admin=None, admin_id=None):
    """Log how an impersonation ended: the Stop button, the time limit or sign-out."""
    now = timezone.now()
    session = (
        ImpersonationSession.objects.select_for_update().filter(pk=session_id).first()
        if session_id
        else None
    )
    if session is not None and session.ended_at is None:
        session.ended_at, session.ended_by = now, ended_by
        session.save(update_fields=["ended_at", "ended_by"])
    admin = admin or (User.objects.filter(pk=admin_id).first() if admin_id else None)
    audit.record(
        actor=admin,
        subject=learner,
        action="impersonation.ended",
        changes={"ended_by": [None, ImpersonationSession.EndedBy(ended_by).label]},
    )


def impersonation_request_record(*, learner, method, path, status):
    """One state-changing request made while impersonating (the real admin is named)."""
    return audit.record(
        actor=learner,
        subject=learner,
        action="impersonation.request",
        changes={"request": [None, f"{method} {path} → {status}"]},
    )
