"""The `grants` column of the CSV import and export: content opened through the access app."""

from django.utils import timezone

from access.models import AccessGrant, Content
from access.services import access_add, end_of_day

# What the uploading staff member needs to grant content.
PERMISSION = "access.add_accessgrant"


def find(slugs):
    """{slug: content} for the slugs that exist (one query)."""
    return {content.slug: content for content in Content.objects.filter(slug__in=list(slugs))}


def grant(*, user, item, expires_on, actor):
    """(grant, True) when it opened the item; (the open grant, False) when already held."""
    expires_at = end_of_day(expires_on) if expires_on else None
    return access_add(user=user, item=item, actor=actor, expires_at=expires_at)


def held(user_ids):
    """{user id: [(slug, expires on or None)]} of the content they hold, for the export."""
    found = {}
    rows = (
        AccessGrant.objects.filter(
            user_id__in=user_ids,
            ended_at__isnull=True,
            content__isnull=False,
            parent__isnull=True,
        )
        .exclude(expires_at__lte=timezone.now())
        .order_by("user_id", "content__slug")
        .values_list("user_id", "content__slug", "expires_at")
    )
    for user_id, slug, expires_at in rows:
        day = timezone.localtime(expires_at).date() if expires_at else None
        found.setdefault(user_id, []).append((slug, day))
    return found
