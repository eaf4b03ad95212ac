"""Every change to a user: check the rule, one transaction, one audit event."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

from . import audit
from .models import User
from .roles import GROUP_NAMES, Role
from .sessions import end_sessions
from .tasks import send_email


def send_email_on_commit(*, subject, body, to):
    """Enqueue an e-mail once the surrounding transaction has committed."""
    transaction.on_commit(lambda: send_email.delay(subject, body, list(to)))


@transaction.atomic
def staff_create(*, email, role, password, actor=None):
    """Create (or promote) a staff member; used by the create_staff command."""
    role = Role(role)
    if role == Role.LEARNER:
        raise ValueError("Staff must be Admin or Customer Service.")
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("Only operators and superusers create staff accounts.")
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email, password)
    else:
        user.set_password(password)
        user.version += 1
        user.save(update_fields=["password", "version"])
    user.groups.set([Group.objects.get(name=GROUP_NAMES[role])])
    audit.record(
        actor=actor,
        subject=user,
        action="staff.created" if created else "staff.updated",
        changes={"role": [None, role.label], "password": [audit.REDACTED, audit.REDACTED]},
    )
    return user


@transaction.atomic
def password_reset_complete(*, user, password):
    """A user sets a new password through the Forgot Password link."""
    user.set_password(password)
    user.version += 1
    user.save(update_fields=["password", "version"])
    end_sessions(user)
    audit.record(
        actor=user,
        subject=user,
        action="password.reset",
        changes={"password": [audit.REDACTED, audit.REDACTED]},
    )
    return user
