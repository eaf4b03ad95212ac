"""Every change to access: check the rule, one transaction, one audit event."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from users import audit
from users.rules import require_can_edit

from .models import AccessGrant, Content, LearningPath, SubscriptionPlan

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


def _open_grant(*, user, field, item, actor, source, expires_at, note, parent=None, now):
    """The active grant of this item, created if there is none (safe under races)."""
    existing = (
        AccessGrant.objects.select_for_update()
        .filter(user=user, ended_at__isnull=True, **{field: item})
        .first()
    )
    if existing is not None and not _end_if_expired(existing, now):
        return existing, False
    try:
        with transaction.atomic():
            grant = AccessGrant.objects.create(
                user=user,
                source=source,
                granted_by=actor,
                granted_at=now,
                expires_at=expires_at,
                note=note,
                parent=parent,
                **{field: item},
            )
    except IntegrityError:
        # Someone else opened it at the same moment: theirs stands.
        return AccessGrant.objects.get(user=user, ended_at__isnull=True, **{field: item}), False
    return grant, True


@transaction.atomic
def access_grant(*, user, item, actor, source=AccessGrant.Source.MANUAL, expires_at=None, note=""):
    """Open content, a learning path or a plan to a learner; granting twice gives one grant.

    A learning path or plan also opens each of its content items (child grants).
    """
    require_can_edit(actor=actor, target=user, permission="access.add_accessgrant")
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": "Choose a date in the future."})
    field = item_field(item)
    grant, created = _open_grant(
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
        return grant
    for content in _contents_opened_by(item):
        _open_grant(
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
    return grant


@transaction.atomic
def access_revoke(*, grant, actor, reason=""):
    """End a grant now (and what it opened); the row stays as history."""
    grant = AccessGrant.objects.select_for_update().select_related("user").get(pk=grant.pk)
    require_can_edit(actor=actor, target=grant.user, permission="access.change_accessgrant")
    if grant.ended_at is not None:
        return grant
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
    return grant
