"""Read queries about access, for pages and for other apps."""

from django.db.models import Q
from django.utils import timezone

from .models import AccessGrant, Content


def open_grants(user, *, now=None):
    """Grants that open something right now (not ended, not past their expiry)."""
    now = now or timezone.now()
    return AccessGrant.objects.filter(user=user, ended_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def accessible_contents(user):
    """The content items this learner can open now."""
    return Content.objects.filter(
        pk__in=open_grants(user).filter(content__isnull=False).values("content_id")
    )


def has_access(user, content):
    return open_grants(user).filter(content=content).exists()
