"""Every change to access: check the rule, one transaction, one audit event."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from users import audit
from users.races import create_unless_taken
from users.rules import require, require_can_edit
from users.services import school_settings_update

from .models import (
    AccessGrant,
    AccessSettings,
    Content,
    LearningPath,
    SubscriptionPlan,
)

ITEM_FIELDS = {Content: "content", LearningPath: "learning_path", SubscriptionPlan: "plan"}
CHILD_SOURCE = {
    "learning_path": AccessGrant.Source.LEARNING_PATH,
    "plan": AccessGrant.Source.SUBSCRIPTION,
}


def item_field(item):
    try:
        return ITEM_FIELDS[type(item)]
    except KeyError:
        raise TypeError(f"Cannot grant access to {type(item).__name__}") from None


def _contents_opened_by(item):
    if isinstance(item, LearningPath):
        return [entry.content for entry in item.items.select_related("content")]
    if isinstance(item, SubscriptionPlan):
        contents = {content.pk: content for content in item.contents.all()}
        for path in item.learning_paths.all():
            for entry in path.items.select_related("content"):
                contents.setdefault(entry.content_id, entry.content)
        return list(contents.values())
    return []


def _end_if_expired(grant, now):
    if grant.expires_at is not None and grant.expires_at <= now:
        grant.ended_at, grant.end_reason = now, AccessGrant.EndReason.EXPIRED
        grant.save(update_fields=["ended_at", "end_reason"])
        grant.children.filter(ended_at__isnull=True).update(
            ended_at=now, end_reason=AccessGrant.EndReason.EXPIRED
        )
        return True
    return False


def open_grant(*, user, field, item, actor, source, expires_at, note, parent=None, now):
    """The active grant of this item, created if there is none (safe under races)."""
    existing = (
        AccessGrant.objects.select_for_update()
        .filter(user=user, ended_at__isnull=True, **{field: item})
        .first()
    )
    if existing is not None and not _end_if_expired(existing, now):
        return existing, False
    grant = create_unless_taken(
        AccessGrant,
        user=user,
        source=source,
        granted_by=actor,
        granted_at=now,
        expires_at=expires_at,
        note=note,
        parent=parent,
        **{field: item},
    )
    if grant is None:
        # Someone else opened it at the same moment: theirs stands.
        return AccessGrant.objects.get(user=user, ended_at__isnull=True, **{field: item}), False
    return grant, True


def access_grant(*, user, item, actor, source=AccessGrant.Source.MANUAL, expires_at=None, note=""):
    """Open content, a learning path or a plan to a learner; granting twice gives one grant.

    A learning path or plan also opens each of its content items (child grants).
    """
    grant, _ = access_add(
        user=user, item=item, actor=actor, source=source, expires_at=expires_at, note=note
    )
    return grant


@transaction.atomic
def access_add(*, user, item, actor, source=AccessGrant.Source.MANUAL, expires_at=None, note=""):
    """`access_grant` that tells: (grant, True) when it opened the item; (the open grant, False)
    when the learner already held it, and then nothing changed (expiry and note untouched, no
    audit event): a held item's expiry is changed on its own page, where the change is named.
    """
    require_can_edit(actor=actor, target=user, permission="access.add_accessgrant")
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": "Choose a date in the future."})
    field = item_field(item)
    grant, created = open_grant(
        user=user,
        field=field,
        item=item,
        actor=actor,
        source=source,
        expires_at=expires_at,
        note=note,
        now=now,
    )
    if not created:
        return grant, False
    for content in _contents_opened_by(item):
        open_grant(
            user=user,
            field="content",
            item=content,
            actor=actor,
            source=CHILD_SOURCE[field],
            expires_at=expires_at,
            note="",
            parent=grant,
            now=now,
        )
    audit.record(
        actor=actor,
        subject=user,
        action="access.granted",
        changes={
            field: [None, str(item)],
            "source": [None, grant.get_source_display()],
            "expires_at": [None, expires_at.isoformat() if expires_at else None],
        },
        note=note,
    )
    return grant, True


@transaction.atomic
def access_revoke(*, grant, actor, reason=""):
    """End a grant now (and what it opened); the row stays as history.

    Returns (grant, changed): access that already ended (revoked, or expired even if the
    nightly sweep has not marked it yet) is left as it is, with no audit event.
    """
    grant = AccessGrant.objects.select_for_update().select_related("user").get(pk=grant.pk)
    require_can_edit(actor=actor, target=grant.user, permission="access.change_accessgrant")
    if grant.ended_at is not None or grant.has_expired:
        return grant, False
    now = timezone.now()
    grant.ended_at, grant.end_reason, grant.ended_by = now, AccessGrant.EndReason.REVOKED, actor
    grant.save(update_fields=["ended_at", "end_reason", "ended_by"])
    grant.children.filter(ended_at__isnull=True).update(
        ended_at=now, end_reason=AccessGrant.EndReason.REVOKED, ended_by=actor
    )
    audit.record(
        actor=actor,
        subject=grant.user,
        action="access.revoked",
        changes={item_field(grant.item): [str(grant.item), None]},
        note=reason,
    )
    return grant, True


def _iso(value):
    return value.isoformat() if value is not None else None


def end_of_day(day):
    """The last moment of `day` in the school's time zone: access "until" a date includes it."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


def _refuse_past(expires_at, now, field="expires_at"):
    if expires_at is not None and expires_at <= now:
        raise ValidationError({field: "This date is in the past. To end access now, use Revoke."})


@transaction.atomic
def same_day(a, b):
    """Two expiry moments on the same day (or both None, no expiry): expiry dates are days."""
    if a is None or b is None:
        return a is b
    return timezone.localtime(a).date() == timezone.localtime(b).date()


@transaction.atomic
def access_expiry_change(*, grant, expires_at, actor):
    """Move a grant's expiry (None: no expiry), and that of the content it opened with it.

    Returns (grant, changed): the same day as now changes nothing and writes no audit event.
    """
    grant = AccessGrant.objects.select_for_update().select_related("user").get(pk=grant.pk)
    require_can_edit(actor=actor, target=grant.user, permission="access.change_accessgrant")
    now = timezone.now()
    if grant.ended_at is not None:
        raise ValidationError({"expires_at": "This access has ended: reinstate it instead."})
    _refuse_past(expires_at, now)
    old = grant.expires_at
    if same_day(old, expires_at):
        return grant, False
    grant.expires_at = expires_at
    grant.save(update_fields=["expires_at"])
    grant.children.filter(ended_at__isnull=True, expires_at=old).update(expires_at=expires_at)
    audit.record(
        actor=actor,
        subject=grant.user,
        action="access.expiry_changed",
        changes={
            item_field(grant.item): [str(grant.item), str(grant.item)],
            "expires_at": [_iso(old), _iso(expires_at)],
        },
    )
    return grant, True


def can_archive(*, actor, grant):
    """Learners archive their own open items, and only while the school allows it."""
    return (
        actor is not None
        and actor.pk == grant.user_id
        and grant.ended_at is None
        and AccessSettings.load().learner_archiving
    )


def _archive_set(*, grant, actor, archived):
    """Move the learner's own item into their Archive or back out: (grant, changed)."""
    grant = AccessGrant.objects.select_for_update().select_related("user").get(pk=grant.pk)
    require(can_archive(actor=actor, grant=grant), "Archiving is not available for this item.")
    if (grant.archived_at is not None) == archived:
        return grant, False
    old, grant.archived_at = grant.archived_at, timezone.now() if archived else None
    grant.save(update_fields=["archived_at"])
    audit.record(
        actor=actor,
        subject=grant.user,
        action="access.archived" if archived else "access.unarchived",
        changes={
            item_field(grant.item): [str(grant.item), str(grant.item)],
            "archived_at": [_iso(old), _iso(grant.archived_at)],
        },
    )
    return grant, True


@transaction.atomic
def access_archive(*, grant, actor):
    """The learner moves an item of their own to their Archive: (grant, changed)."""
    return _archive_set(grant=grant, actor=actor, archived=True)


@transaction.atomic
def access_unarchive(*, grant, actor):
    """The learner brings an archived item back to their content: (grant, changed)."""
    return _archive_set(grant=grant, actor=actor, archived=False)


@transaction.atomic
def access_reinstate(*, grant, actor, expires_at=None):
    """Bring back an archived or expired item; an expired one needs a new expiry date.

    Returns (grant, changed): access that is open and not archived is left as it is.
    """
    grant = AccessGrant.objects.select_for_update().select_related("user").get(pk=grant.pk)
    require_can_edit(actor=actor, target=grant.user, permission="access.change_accessgrant")
    now = timezone.now()
    if grant.end_reason == AccessGrant.EndReason.REVOKED:
        raise ValidationError("Revoked access cannot be reinstated: add the item again instead.")
    expired = grant.has_expired
    if not expired and grant.archived_at is None:
        return grant, False
    if expired and expires_at is None:
        raise ValidationError({"expires_at": "This access has expired: choose a new expiry date."})
    _refuse_past(expires_at, now)
    field = item_field(grant.item)
    old = {"status": grant.status, "expires_at": grant.expires_at, "ended_at": grant.ended_at}
    if grant.ended_at is not None:
        clash = AccessGrant.objects.filter(
            user=grant.user, ended_at__isnull=True, **{field: grant.item}
        ).exclude(pk=grant.pk)
        if clash.exists():
            raise ValidationError(f"{grant.item} is already open to this learner.")
    grant.ended_at, grant.end_reason, grant.ended_by, grant.archived_at = None, "", None, None
    if expires_at is not None:
        grant.expires_at = expires_at
    try:
        with transaction.atomic():
            grant.save(
                update_fields=["ended_at", "end_reason", "ended_by", "archived_at", "expires_at"]
            )
            if expired:
                _reopen_children(grant, old, expires_at)
    except IntegrityError:
        raise ValidationError(f"{grant.item} was opened to this learner meanwhile.") from None
    audit.record(
        actor=actor,
        subject=grant.user,
        action="access.reinstated",
        changes={
            field: [str(grant.item), str(grant.item)],
            "status": [old["status"], "Active"],
            "expires_at": [_iso(old["expires_at"]), _iso(grant.expires_at)],
        },
    )
    return grant, True


def _reopen_children(grant, old, expires_at):
    children = grant.children.filter(expires_at=old["expires_at"]).filter(
        Q(ended_at__isnull=True)
        | Q(ended_at=old["ended_at"], end_reason=AccessGrant.EndReason.EXPIRED)
    )
    already_open = AccessGrant.objects.filter(
        user=grant.user_id, ended_at__isnull=True, content__isnull=False
    ).exclude(parent=grant)
    children.exclude(content__in=already_open.values("content")).update(
        ended_at=None, end_reason="", ended_by=None, expires_at=expires_at
    )


def access_expire_due(*, now=None, batch_size=500):
    """End every grant past its date (one audit event each, actor None); safe to rerun."""
    now = now or timezone.now()
    ended = 0
    while True:
        with transaction.atomic():
            grants = list(
                AccessGrant.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("user", "content", "learning_path", "plan")
                .filter(ended_at__isnull=True, expires_at__lte=now)
                .order_by("expires_at", "id")[:batch_size]
            )
            if not grants:
                return ended
            for grant in grants:
                grant.ended_at, grant.end_reason = now, AccessGrant.EndReason.EXPIRED
            AccessGrant.objects.bulk_update(grants, ["ended_at", "end_reason"])
            for grant in grants:
                audit.record(
                    actor=None,
                    subject=grant.user,
                    action="access.expired",
                    changes={
                        item_field(grant.item): [str(grant.item), None],
                        "expires_at": [_iso(grant.expires_at), _iso(grant.expires_at)],
                    },
                )
        ended += len(grants)


def access_settings_update(*, actor, learner_archiving):
    """Turn learner-driven archiving on or off for the whole school: (settings, changed)."""
    settings, changes = school_settings_update(
        model=AccessSettings,
        actor=actor,
        values={"learner_archiving": learner_archiving},
        permission="access.change_accesssettings",
        action="access.settings_changed",
    )
    return settings, bool(changes)
