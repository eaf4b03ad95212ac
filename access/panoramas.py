"""Panoramas and their seats: create a Panorama with its Main sublicense, give a seat."""

from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from users import audit
from users.rules import require_can_edit

from .models import (
    AccessGrant,
    Panorama,
    Sublicense,
    SublicenseSeat,
)
from .services import end_of_day, open_grant


class SeatAssignment(NamedTuple):
    """What `seat_assign` did: the seat, whether it changed, the sublicense it left (or None)."""

    seat: SublicenseSeat
    changed: bool
    previous: Sublicense | None = None


@transaction.atomic
def seat_assign(*, user, sublicense, actor):
    """Place a learner in a sublicense (moving them within its Panorama); the DB counts seats.

    A learner already in this sublicense keeps their seat as it is, with no audit event
    (`changed` is False).
    """
    require_can_edit(actor=actor, target=user, permission="access.add_sublicenseseat")
    sublicense = Sublicense.objects.select_related("panorama").get(pk=sublicense.pk)
    now = timezone.now()
    if sublicense.expires_on is not None and sublicense.expires_on < timezone.localdate():
        raise ValidationError(
            {"sublicense": f"“{sublicense.name}” expired on {sublicense.expires_on:%Y-%m-%d}."}
        )
    seat = (
        SublicenseSeat.objects.select_for_update()
        .select_related("sublicense")
        .filter(user=user, panorama=sublicense.panorama_id)
        .first()
    )
    if seat is not None and seat.sublicense_id == sublicense.pk:
        return SeatAssignment(seat, changed=False)
    try:
        with transaction.atomic():
            Sublicense.objects.filter(pk=sublicense.pk).update(seats_used=F("seats_used") + 1)
    except IntegrityError:
        raise ValidationError(
            {
                "sublicense": f"“{sublicense.name}” is full: all {sublicense.seat_limit} seats "
                "are taken. Raise its seat limit or choose another sublicense."
            }
        ) from None
    old = seat.sublicense if seat is not None else None
    if seat is not None:
        Sublicense.objects.filter(pk=old.pk, seats_used__gt=0).update(
            seats_used=F("seats_used") - 1
        )
        seat.sublicense, seat.assigned_at, seat.assigned_by = sublicense, now, actor
        seat.save(update_fields=["sublicense", "assigned_at", "assigned_by"])
    else:
        try:
            with transaction.atomic():
                seat = SublicenseSeat.objects.create(
                    user=user,
                    panorama=sublicense.panorama,
                    sublicense=sublicense,
                    assigned_at=now,
                    assigned_by=actor,
                )
        except IntegrityError:
            raise ValidationError(
                {"sublicense": "This learner was placed in this Panorama meanwhile: reload."}
            ) from None
    _open_sublicense_content(user=user, old=old, new=sublicense, actor=actor, now=now)
    audit.record(
        actor=actor,
        subject=user,
        action="access.seat_assigned",
        changes={
            "panorama": [str(sublicense.panorama) if old else None, str(sublicense.panorama)],
            "sublicense": [old.name if old else None, sublicense.name],
        },
    )
    return SeatAssignment(seat, changed=True, previous=old)


def _open_sublicense_content(*, user, old, new, actor, now):
    """The new sublicense's content opens; what only the old one gave closes."""
    new_contents = list(new.contents.all())
    if old is not None:
        AccessGrant.objects.filter(
            user=user,
            source=AccessGrant.Source.SUBLICENSE,
            ended_at__isnull=True,
            content__in=old.contents.exclude(pk__in=[c.pk for c in new_contents]),
        ).update(ended_at=now, end_reason=AccessGrant.EndReason.REVOKED, ended_by=actor)
    expires_at = end_of_day(new.expires_on) if new.expires_on else None
    for content in new_contents:
        open_grant(
            user=user,
            field="content",
            item=content,
            actor=actor,
            source=AccessGrant.Source.SUBLICENSE,
            expires_at=expires_at,
            note="",
            now=now,
        )


def _require_catalog_editor(actor, permission):
    if actor is not None and not (actor.is_superuser or actor.has_perm(permission)):
        raise PermissionDenied("Your role does not allow changing the catalog.")


@transaction.atomic
def panorama_create(*, name, slug, contents=(), actor):
    """A Panorama, created with its Main sublicense holding all of its content."""
    _require_catalog_editor(actor, "access.add_panorama")
    panorama = Panorama.objects.create(name=name, slug=slug)
    panorama.contents.set(contents)
    main = Sublicense.objects.create(panorama=panorama, name="Main", is_main=True)
    main.contents.set(contents)
    audit.record(
        actor=actor,
        subject=None,
        action="access.panorama_created",
        changes={"panorama": [None, name], "contents": [None, [str(c) for c in contents]]},
    )
    return panorama


@transaction.atomic
def panorama_main_sync(*, panorama):
    """Keep the invariant: the Main sublicense exists and holds all of the Panorama's content."""
    main, _ = Sublicense.objects.get_or_create(
        panorama=panorama, is_main=True, defaults={"name": "Main"}
    )
    main.contents.set(panorama.contents.all())
    return main
