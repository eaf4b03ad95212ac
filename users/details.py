"""Changing a learner's record: the Details tab, bulk edit and the CSV import write here.

One diff (`detail_changes`), one way to write it (`apply`, for one learner or 100,000), one
audit event per learner changed (`audit.event_rows`): an imported change is recorded exactly as
the same change saved on the Details tab.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from . import audit, bulk_writes
from .models import AuditEvent, ProfileField, ProfileValue, User
from .roles import GROUP_NAMES, RANK, Role, role_of
from .rules import can_assign_role, require, require_can_edit
from .sessions import end_sessions_of

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
)


class StaleRecord(Exception):
    """The record changed after the form was opened; `events` says what changed."""

    def __init__(self, events):
        super().__init__("This record changed since you opened it.")
        self.events = events


@dataclass
class Change:
    """What one learner's record becomes: the values given, and what they change."""

    user: User
    profile: dict
    role: Role | None = None
    references: dict = field(default_factory=dict)
    changes: dict = field(default_factory=dict)
    password: str = ""


def _plain(value):
    return "" if value is None else str(value)


def stored(user, name):
    """A profile field as text; the phone as stored (E.164): `stored_phone` when the import
    read it so (parsing 100,000 numbers costs seconds)."""
    if name == "phone" and "stored_phone" in user.__dict__:
        return user.stored_phone or ""
    return _plain(getattr(user, name))


def detail_changes(user, *, profile, role=None, references=None, stored_references=None):
    """{field: [old, new]} of what these values change on the record: profile fields the
    values name, the role, reference fields ("reference:<key>"; `stored_references` holds
    the stored ones by key). Fields left out of `profile` stay as they are."""
    changes = {}
    for name in PROFILE_FIELDS:
        if name in profile and stored(user, name) != _plain(profile[name]):
            changes[name] = [stored(user, name), _plain(profile[name])]
    old_role = role_of(user)
    if role is not None and Role(role) != old_role:
        changes["role"] = [old_role.label, Role(role).label]
    for key, value in (references or {}).items():
        old = (stored_references or {}).get(key, "")
        if old != value:
            changes[f"reference:{key}"] = [old, value]
    return changes


def stored_references(user_ids, keys):
    """{(user id, key): value} of these learners' reference fields."""
    if not keys:
        return {}
    fields = dict(
        ProfileField.objects.filter(kind=ProfileField.Kind.REFERENCE, key__in=keys).values_list(
            "pk", "key"
        )
    )
    found = {}
    for chunk in bulk_writes.chunks(user_ids):
        for user_id, field_id, value in ProfileValue.objects.filter(
            user_id__in=chunk, field_id__in=list(fields)
        ).values_list("user_id", "field_id", "value"):
            found[(user_id, fields[field_id])] = value
    return found


def locked(user):
    """The user's row again, locked until the transaction ends."""
    return User.objects.select_for_update().get(pk=user.pk)


@transaction.atomic
def user_update_details(
    *,
    user,
    actor,
    expected_version,
    profile,
    new_password="",
    role=None,
    references=None,
    keep_session_key=None,
):
    """Save the Details tab in one go: profile, New Password, role, reference fields."""
    user = locked(user)
    require_can_edit(actor=actor, target=user)
    if user.version != expected_version:
        raise StaleRecord(changes_since(user, expected_version))
    references = references or {}
    found = stored_references([user.pk], list(references))
    change = Change(user, profile, Role(role) if role is not None else None, references)
    change.changes = detail_changes(
        user,
        profile=profile,
        role=change.role,
        references=references,
        stored_references={key: value for (_, key), value in found.items()},
    )
    if new_password:
        change.password = new_password
        change.changes["password"] = [audit.REDACTED, audit.REDACTED]
    if not change.changes:
        return user, {}
    try:
        with transaction.atomic():
            apply([change], actor=actor, keep_session_key=keep_session_key)
    except IntegrityError:
        raise ValidationError({"email": "Another user already has this e-mail address."}) from None
    return user, change.changes


def apply(changes, *, actor, note="", keep_session_key=None):
    """Write each Change whose `changes` are not empty (from detail_changes, on locked rows):
    the profile and a version bump, the role (never above the actor's own; actor None is
    the system), reference fields; end the sessions of a learner whose password changed or
    whose role went down; one audit event each. The caller holds the transaction."""
    changed = [change for change in changes if change.changes]
    for change in changed:
        require_can_edit(actor=actor, target=change.user)
        if "role" in change.changes and actor is not None:
            require(
                can_assign_role(actor=actor, target=change.user, role=change.role),
                "You may not give this role.",
            )
    # Whose sessions end: read before the roles change (a downgrade compares with the old).
    ended = [change.user.pk for change in changed if change.password or _downgraded(change)]
    _write_profiles(changed)
    roles_set([(change.user, change.role) for change in changed if "role" in change.changes])
    references_set(changed)
    end_sessions_of(ended, keep_session_key=keep_session_key)
    items = [(change.user, "user.updated", change.changes) for change in changed]
    bulk_writes.insert(AuditEvent, audit.event_rows(actor=actor, items=items, note=note))


def _downgraded(change):
    return "role" in change.changes and RANK[change.role] < RANK[role_of(change.user)]


def _write_profiles(changed):
    names = [name for name in PROFILE_FIELDS if any(name in c.changes for c in changed)]
    rows = []
    for change in changed:
        user = change.user
        values = [
            change.profile[name] if name in change.changes else stored(user, name) for name in names
        ]
        for name in names:
            if name in change.changes:
                setattr(user, name, change.profile[name])
        if change.password:
            user.set_password(change.password)
        user.version += 1
        rows.append([user.pk, *values, user.version])
    passwords = [change for change in changed if change.password]
    bulk_writes.update(User, [*names, "version"], rows)
    bulk_writes.update(User, ["password"], [[c.user.pk, c.user.password] for c in passwords])


def roles_set(pairs):
    """Give each (user, role): its staff group, or none for a learner."""
    if not pairs:
        return
    through = User.groups.through
    groups = dict(Group.objects.filter(name__in=GROUP_NAMES.values()).values_list("name", "pk"))
    for chunk in bulk_writes.chunks([user.pk for user, _ in pairs]):
        through.objects.filter(user_id__in=chunk, group_id__in=list(groups.values())).delete()
    through.objects.bulk_create(
        [
            through(user_id=user.pk, group_id=groups[GROUP_NAMES[role]])
            for user, role in pairs
            if role != Role.LEARNER
        ],
        batch_size=bulk_writes.BATCH,
    )
    for user, role in pairs:
        user._role_group_names = {GROUP_NAMES[role]} if role != Role.LEARNER else set()


def references_set(changed, *, new_users=False):
    """Store the reference fields each Change names and changes (`new_users`: none stored)."""
    wanted = {
        key
        for change in changed
        for key in change.references
        if f"reference:{key}" in change.changes
    }
    if not wanted:
        return
    ids = dict(
        ProfileField.objects.filter(kind=ProfileField.Kind.REFERENCE, key__in=wanted).values_list(
            "key", "pk"
        )
    )
    existing = {}
    for chunk in [] if new_users else bulk_writes.chunks([c.user.pk for c in changed]):
        for pk, user_id, field_id in ProfileValue.objects.filter(
            user_id__in=chunk, field_id__in=list(ids.values())
        ).values_list("pk", "user_id", "field_id"):
            existing[(user_id, field_id)] = pk
    create, update, remove = [], [], []
    for change in changed:
        for key, value in change.references.items():
            if f"reference:{key}" not in change.changes:
                continue
            kept = existing.get((change.user.pk, ids[key]))
            if kept is None:
                if value:
                    create.append({"user_id": change.user.pk, "field_id": ids[key], "value": value})
            elif value:
                update.append([kept, value])
            else:
                remove.append(kept)  # an empty value is no row
    bulk_writes.insert(ProfileValue, create)
    bulk_writes.update(ProfileValue, ["value"], update)
    for chunk in bulk_writes.chunks(remove):
        ProfileValue.objects.filter(pk__in=chunk).delete()


def changes_since(user, version):
    """Audit events that moved this record past `version`, oldest first."""
    return list(
        AuditEvent.objects.filter(subject=user, subject_version__gt=version).order_by(
            "created_at", "id"
        )[:20]
    )
