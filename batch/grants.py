"""The `grants` column of the CSV import and export: content opened through the access app."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from access.models import AccessGrant, Content
from access.services import access_add, end_of_day

GRANT_PERMISSION = "access.add_accessgrant"


@dataclass(frozen=True)
class ContentGrants:
    """How an import opens content to learners, and what the export says they hold.

    find(slugs) -> {slug: item} for the slugs that exist (one query);
    grant(user=, item=, expires_on=, actor=) opens one item (the access service);
    held(user_ids) -> {user_id: [(slug, expires_on or None)]} for the export;
    permission: what the uploading staff member needs to grant content.
    """

    find: Callable[[Iterable[str]], dict[str, Any]]
    grant: Callable[..., Any]
    held: Callable[[list[int]], dict[int, list[tuple[str, datetime.date | None]]]] | None = None
    permission: str = ""


def content_grants():
    """The `grants` column of an import or export, backed by the access app."""

    def find(slugs):
        return {content.slug: content for content in Content.objects.filter(slug__in=list(slugs))}

    def grant(*, user, item, expires_on, actor):
        """(grant, True) when it opened the item; (the open grant, False) when already held."""
        expires_at = end_of_day(expires_on) if expires_on else None
        return access_add(user=user, item=item, actor=actor, expires_at=expires_at)

    def held(user_ids):
        grants = {}
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
            grants.setdefault(user_id, []).append((slug, day))
        return grants

    return ContentGrants(find=find, grant=grant, held=held, permission=GRANT_PERMISSION)
