"""Who may edit whom and give which role: the rule functions as matrices."""

import pytest

from tests.factories import AdminFactory, LearnerFactory, SuperuserFactory, SupportFactory
from users.roles import Role
from users.rules import can_assign_role, can_edit_user

pytestmark = pytest.mark.django_db

MAKERS = {
    "learner": LearnerFactory,
    "support": SupportFactory,
    "admin": AdminFactory,
    "superuser": SuperuserFactory,
}

# (actor, target) -> may edit
EDIT = {
    ("learner", "learner"): False,
    ("learner", "support"): False,
    ("learner", "admin"): False,
    ("support", "learner"): True,
    ("support", "support"): False,
    ("support", "admin"): False,
    ("support", "superuser"): False,
    ("admin", "learner"): True,
    ("admin", "support"): True,
    ("admin", "admin"): True,
    ("admin", "superuser"): False,
    ("superuser", "admin"): True,
    ("superuser", "superuser"): True,
}


@pytest.mark.parametrize("pair,allowed", sorted(EDIT.items()))
def test_can_edit_user(pair, allowed):
    actor, target = MAKERS[pair[0]](), MAKERS[pair[1]]()
    assert can_edit_user(actor=actor, target=target) is allowed


# (actor, target, role given) -> allowed
ASSIGN = {
    ("support", "learner", Role.LEARNER): True,
    ("support", "learner", Role.CUSTOMER_SERVICE): True,
    ("support", "learner", Role.ADMIN): False,
    ("support", "support", Role.LEARNER): False,
    ("support", "admin", Role.LEARNER): False,
    ("admin", "learner", Role.ADMIN): True,
    ("admin", "learner", Role.CUSTOMER_SERVICE): True,
    ("admin", "support", Role.ADMIN): True,
    ("admin", "support", Role.LEARNER): True,
    ("admin", "admin", Role.LEARNER): True,
    ("learner", "learner", Role.CUSTOMER_SERVICE): False,
    ("learner", "learner", Role.ADMIN): False,
    ("superuser", "learner", Role.ADMIN): True,
}


@pytest.mark.parametrize("case,allowed", sorted(ASSIGN.items(), key=str))
def test_can_assign_role(case, allowed):
    actor, target = MAKERS[case[0]](), MAKERS[case[1]]()
    assert can_assign_role(actor=actor, target=target, role=case[2]) is allowed


def test_nobody_changes_their_own_role():
    admin = AdminFactory()
    assert not can_assign_role(actor=admin, target=admin, role=Role.LEARNER)
