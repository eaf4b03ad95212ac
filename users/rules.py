"""Who may act on whom. Small keyword-only predicates, tested as matrices."""

from .roles import RANK, Role, rank_of

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
