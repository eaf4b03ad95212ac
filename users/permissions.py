"""Who may open each /manage/ page: one map per app, read by one wrapper.

Each app's `permissions.py` holds NEEDS, {URL name: Need}; its urls.py passes its patterns
through `guard`, which wraps every /manage/ view in the check its Need declares and refuses
to start when a /manage/ pattern has no entry (or an entry names no pattern). What a change
may do to whom (rank, role) is checked by the service that makes it.
"""

import functools
from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from .rules import MANAGE_USERS

MANAGE_PREFIX = "manage/"


@dataclass(frozen=True)
class Need:
    """What a /manage/ page asks of whoever opens it, besides the manage-users permission:
    `permission` to open it at all, `post` also to send it a change. Whom a change may touch
    (rank, role) is the object rule of the service that makes it (users/rules.py), which the
    page reports as a message."""

    permission: str = ""
    post: str = ""

    def permissions(self, method):
        wanted = [MANAGE_USERS, self.permission]
        if method not in ("GET", "HEAD", "OPTIONS"):
            wanted.append(self.post)
        return [name for name in wanted if name]


def check(request, need):
    """None if the visitor may go on; raises PermissionDenied or answers a redirect to sign in."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not all(user.has_perm(name) for name in need.permissions(request.method)):
        raise PermissionDenied("Your role does not allow this.")
    return None


def _guarded(view, need):
    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        refused = check(request, need)
        return refused if refused is not None else view(request, *args, **kwargs)

    guarded.need = need
    return guarded


def guard(patterns, needs):
    """`patterns` with every /manage/ view wrapped in its Need from `needs` (by URL name)."""
    named = set()
    for pattern in patterns:
        if not str(pattern.pattern).startswith(MANAGE_PREFIX):
            continue
        if pattern.name not in needs:
            raise ImproperlyConfigured(f"/manage/ URL {pattern.name!r} has no entry in NEEDS.")
        pattern.callback = _guarded(pattern.callback, needs[pattern.name])
        named.add(pattern.name)
    if set(needs) - named:
        raise ImproperlyConfigured(f"NEEDS names no /manage/ URL: {sorted(set(needs) - named)}")
    return patterns


# Settings > Learner fields: Admins only, to look as well as to change.
LEARNER_FIELDS = Need(permission="users.change_profilefield")

# The users app's own pages.
NEEDS = {
    "learners": Need(),
    "staff": Need(),
    "record": Need(),
    "details": Need(),
    "disable": Need(),
    "enable": Need(),
    "resend_invite": Need(),
    "dual_role_create": Need(),
    "email_retry": Need(),
    "settings": Need(permission="users.change_usersettings"),
    "learner_fields": LEARNER_FIELDS,
    "learner_field_add": LEARNER_FIELDS,
    "learner_field_edit": LEARNER_FIELDS,
    "learner_field_move_up": LEARNER_FIELDS,
    "learner_field_move_down": LEARNER_FIELDS,
    "learner_field_retire": LEARNER_FIELDS,
    "learner_field_restore": LEARNER_FIELDS,
    "learner_field_delete": LEARNER_FIELDS,
    "impersonate": Need(),
    "impersonation_log": Need(),
}
