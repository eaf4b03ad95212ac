"""Read queries about access, for pages and for other apps."""

from django.db.models import Count, Max, Q
from django.utils import timezone

from users.list_filters import Condition
from users.paging import keyset_page

from .models import (
    AccessGrant,
    BulkPurchase,
    Content,
    LearningPath,
    Sublicense,
    SublicenseSeat,
    SubscriptionPlan,
)


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


PAGE_SIZE = 50
GRANT_ORDER = [("granted_at", True), ("id", True)]
GRANT_KINDS = ["datetime", "int"]
SECTIONS = {"content": "content", "paths": "learning_path", "plans": "plan"}


# What each list draws of a grant. Only content grants have a parent (the learning path or
# plan grant that opened them). Joining every relation in every list costs more to plan
# (about 10 ms a query with nine tables) than to run, so each list joins what it shows.
SECTION_RELATED = {
    "content": ("content", "granted_by", "parent__learning_path", "parent__plan"),
    "paths": ("learning_path", "granted_by"),
    "plans": ("plan", "granted_by"),
    "archive": ("content", "learning_path", "plan"),
}


def _grant_rows(user):
    return AccessGrant.objects.filter(user=user).select_related(
        "content",
        "learning_path",
        "plan",
        "granted_by",
        "parent__learning_path",
        "parent__plan",
    )


def current_grants(user, *, now=None):
    """Open, unarchived grants: what the learner has now."""
    return open_grants(user, now=now).filter(archived_at__isnull=True)


def archived_grants(user, *, now=None):
    """Items the learner archived, and access that expired (revoked access is not here)."""
    now = now or timezone.now()
    return AccessGrant.objects.filter(user=user).filter(
        Q(ended_at__isnull=True, archived_at__isnull=False)
        | Q(ended_at__isnull=True, expires_at__lte=now)
        | Q(end_reason=AccessGrant.EndReason.EXPIRED)
    )


def _page(queryset, cursor, size):
    return keyset_page(queryset, order=GRANT_ORDER, kinds=GRANT_KINDS, cursor=cursor, size=size)


def access_tab(user, *, cursors=None, size=PAGE_SIZE):
    """Everything the Access tab draws, in a fixed number of queries whatever the history."""
    cursors = cursors or {}
    now = timezone.now()
    current = current_grants(user, now=now)
    sections = {
        name: _page(
            current.filter(**{f"{field}__isnull": False}).select_related(*SECTION_RELATED[name]),
            cursors.get(name),
            size,
        )
        for name, field in SECTIONS.items()
    }
    archive_rows = archived_grants(user, now=now).select_related(*SECTION_RELATED["archive"])
    sections["archive"] = _page(archive_rows, cursors.get("archive"), size)
    seats = list(
        SublicenseSeat.objects.filter(user=user)
        .select_related("panorama", "sublicense", "assigned_by")
        .order_by("panorama__name", "id")
    )
    purchases = list(
        BulkPurchase.objects.filter(buyer=user)
        .select_related("content")
        .annotate(
            redeemed=Count("codes", filter=Q(codes__redeemed_at__isnull=False)),
            codes_issued=Count("codes"),
            last_redeemed_at=Max("codes__redeemed_at"),
        )
        .order_by("-purchased_at", "-id")[:size]
    )
    return {"sections": sections, "seats": seats, "purchases": purchases}


# What the grant page draws: the item, who granted and ended it, and the path or plan that
# opened it (a content grant's parent is a learning path or a plan grant).
GRANT_PAGE_RELATED = (
    "content",
    "learning_path",
    "plan",
    "granted_by",
    "ended_by",
    "parent__learning_path",
    "parent__plan",
)


def grant_detail(user_id, grant_id):
    """One grant of this learner with everything its page shows (AccessGrant.DoesNotExist)."""
    return AccessGrant.objects.select_related(*GRANT_PAGE_RELATED).get(pk=grant_id, user_id=user_id)


def catalog_choices(limit=1000):
    """The picker's options: [(label, value)] for content, learning paths and plans. The value
    is what the admin reads, "Title (Kind)" (AddAccessForm finds the item by it), no slug."""
    kinds = dict(Content.Kind.choices)
    options = [
        ("", f"{title} ({kinds.get(kind, kind)})")
        for title, kind in Content.objects.filter(is_published=True).values_list("title", "kind")[
            :limit
        ]
    ]
    options += [
        ("", f"{title} (Learning path)")
        for title in LearningPath.objects.values_list("title", flat=True)[:limit]
    ]
    options += [
        ("", f"{name} (Subscription)")
        for name in SubscriptionPlan.objects.filter(is_active=True).values_list("name", flat=True)[
            :limit
        ]
    ]
    return options


def sublicense_choices():
    """Every sublicense with its Panorama, for the seat picker."""
    return list(
        Sublicense.objects.select_related("panorama").order_by(
            "panorama__name", "-is_main", "name", "id"
        )
    )


def learner_home(user, *, cursor=None, size=PAGE_SIZE):
    """The learner's own content, learning paths and archive for `/`."""
    now = timezone.now()
    current = _grant_rows(user).filter(pk__in=current_grants(user, now=now).values("pk"))
    content = _page(current.filter(content__isnull=False), cursor, size)
    paths = list(
        current.filter(learning_path__isnull=False)
        .prefetch_related("learning_path__items__content")
        .order_by("-granted_at", "-id")[:size]
    )
    archive = list(
        _grant_rows(user)
        .filter(pk__in=archived_grants(user, now=now).values("pk"))
        .filter(plan__isnull=True)
        .order_by("-granted_at", "-id")[:size]
    )
    return {"content": content, "paths": paths, "archive": archive}


def record_summary(user):
    """The record header's count of content open to the learner: [(order, label, count)]."""
    count = accessible_contents(user).count()
    return [(10, "enrolment" if count == 1 else "enrolments", count)]


# A seat in the Panorama ("p") or the sublicense ("s"), as a condition on users_user u.
SEAT_HELD = {
    "p": "EXISTS (SELECT 1 FROM access_sublicenseseat fs WHERE fs.user_id = u.id "
    "AND fs.panorama_id = %(f_seat)s)",
    "s": "EXISTS (SELECT 1 FROM access_sublicenseseat fs WHERE fs.user_id = u.id "
    "AND fs.sublicense_id = %(f_seat)s)",
}


class SeatFilter:
    """The learners list's Panorama / sublicense filter (access/apps.py declares it)."""

    name = "seat"
    label = "Panorama or sublicense"

    def choices(self):
        """Grouped by Panorama: the whole Panorama, then each of its sublicenses."""
        groups = {}
        for sublicense in Sublicense.objects.select_related("panorama").order_by(
            "panorama__name", "panorama_id", "-is_main", "name", "id"
        ):
            panorama = sublicense.panorama
            options = groups.setdefault(
                (panorama.name, panorama.pk), [(f"p{panorama.pk}", f"{panorama.name}: every seat")]
            )
            options.append((f"s{sublicense.pk}", f"{panorama.name}: {sublicense.name}"))
        return [(name, options) for (name, _), options in groups.items()]

    def condition(self, value):
        """Learners holding a seat in that Panorama or sublicense (value "p<id>" / "s<id>")."""
        return Condition(SEAT_HELD[value[0]], {"f_seat": int(value[1:])})


def learner_list_filter():
    return SeatFilter()
