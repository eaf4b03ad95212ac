"""What the Details tab shows of a learner's privacy requests; the privacy app acts on them."""

from .models import ErasureRequest
from .roles import RANK, Role, rank_of
from .rules import MANAGE_USERS, can_edit_user, can_export

ERASE_PERMISSION = "users.erase_user"
EXPORT_PERMISSION = MANAGE_USERS


def erased_email(user):
    return f"erased-{user.pk}@erased.invalid"


def open_request(user):
    return (
        ErasureRequest.objects.select_related("requested_by")
        .filter(user=user, cancelled_at__isnull=True, completed_at__isnull=True)
        .first()
    )


def privacy_context(*, subject, actor):
    """What the Details tab's Privacy section shows (one query)."""
    return {
        "erasure_request": open_request(subject),
        "may_export": can_export(actor=actor, subject=subject)
        and actor.has_perm(EXPORT_PERMISSION),
        "may_erase": actor.has_perm(ERASE_PERMISSION)
        and can_edit_user(actor=actor, target=subject)
        and is_erasable(subject),
    }


def is_erasable(user):
    """Only learners are erased; staff leave by losing their role first."""
    return (
        rank_of(user) == RANK[Role.LEARNER]
        and not user.is_staff
        and not user.email.endswith("@erased.invalid")
    )
