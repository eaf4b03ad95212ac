"""Who may act on whom. Small keyword-only predicates, tested as matrices."""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q

from .roles import GROUP_NAMES, RANK, SUPERUSER_RANK, Role, rank_of

MANAGE_USERS = "users.manage_users"


def can_manage_users(*, actor):
    return bool(actor and actor.is_authenticated and actor.has_perm(MANAGE_USERS))


def can_edit_user(*, actor, target):
    """Managers edit people below their own rank; admins also edit fellow admins."""
    if not can_manage_users(actor=actor):
        return False
    if actor.pk == target.pk:
        return True
    actor_rank, target_rank = rank_of(actor), rank_of(target)
    if actor_rank >= RANK[Role.ADMIN]:
        return target_rank <= actor_rank
    return target_rank < actor_rank


def can_assign_role(*, actor, target, role):
    """Nobody grants a role above their own, nor changes someone they may not edit."""
    if not can_edit_user(actor=actor, target=target) or actor.pk == target.pk:
        return False
    return RANK[Role(role)] <= rank_of(actor)


def can_view_record(*, actor, subject):
    """Opening someone's record (every tab, read-only where editing is not allowed): the
    person themselves, and anyone who manages users, whatever the subject's role."""
    if not (actor and actor.is_authenticated):
        return False
    return actor.pk == subject.pk or can_manage_users(actor=actor)


def can_export(*, actor, subject):
    """Taking a copy of someone's data away (transcript CSV and PDF, privacy export): the
    person themselves, or a manager who may edit them (Customer Service: learners only)."""
    if not can_view_record(actor=actor, subject=subject):
        return False
    return actor.pk == subject.pk or can_edit_user(actor=actor, target=subject)


def exportable_users(users, *, actor):
    """`users` narrowed to those whose data `actor` may export (`can_export` as a filter),
    for exports of many users at once such as the learners list's CSV."""
    if not can_manage_users(actor=actor):
        return users.filter(pk=actor.pk)
    actor_rank = rank_of(actor)
    if actor_rank >= SUPERUSER_RANK:
        return users
    limit = actor_rank if actor_rank >= RANK[Role.ADMIN] else actor_rank - 1
    above = [name for role, name in GROUP_NAMES.items() if RANK[role] > limit]
    membership = users.model.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__name__in=above
    )
    return users.filter(Q(pk=actor.pk) | (Q(is_superuser=False) & ~Exists(membership)))


def withheld_from_export(*, actor):
    """Ids of the people whose rows `actor` may not export from a report of many learners:
    staff `can_export` refuses them (a handful: read from the superusers and role groups)."""
    from .models import User

    staff = User.objects.filter(Q(is_superuser=True) | Q(groups__name__in=GROUP_NAMES.values()))
    exportable = exportable_users(staff, actor=actor).values("pk")
    return set(staff.exclude(pk__in=exportable).values_list("pk", flat=True))


def require(allowed, message="You are not allowed to do this."):
    """Raise PermissionDenied unless `allowed`: services call this first."""
    if not allowed:
        raise PermissionDenied(message)


def require_can_edit(*, actor, target, permission=None):
    """The common check of a service acting on a user record (actor None = the system)."""
    if actor is None:
        return
    require(can_edit_user(actor=actor, target=target), "You may not change this user's record.")
    if permission:
        require(actor.has_perm(permission), "Your role does not allow this action.")


def require_can_export(*, actor, subject, permission=None):
    """The check of a service making a copy of someone's data (actor None = the system)."""
    if actor is None:
        return
    require(
        can_export(actor=actor, subject=subject),
        "Your role does not allow exporting this user's data.",
    )
    if permission:
        require(actor.has_perm(permission), "Your role does not allow this action.")


def can_impersonate(*, actor, target, already_impersonating=False):
    """Managers with the impersonate permission may sign in as an active plain learner."""
    if already_impersonating or not can_manage_users(actor=actor):
        return False
    if not actor.has_perm("users.impersonate_users"):
        return False
    if actor.pk == target.pk or not target.is_active:
        return False
    if target.is_superuser or target.is_staff or target.learner_record_of_id is not None:
        return False
    return rank_of(target) == RANK[Role.LEARNER]


def hijack_permission_check(*, hijacker, hijacked):
    """django-hijack's check (HIJACK_PERMISSION_CHECK) is ours."""
    return can_impersonate(actor=hijacker, target=hijacked)
