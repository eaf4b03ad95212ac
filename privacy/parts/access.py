"""The access app's part of a privacy request (privacy/services.py runs it)."""

from access.models import AccessGrant, BulkPurchase, RedemptionCode, SublicenseSeat
from privacy.rows import ERASED, plain_rows


def export(user):
    """Access grants, Panorama seats, bulk purchases and redeemed codes."""
    return {
        "access_grants": plain_rows(
            AccessGrant.objects.filter(user=user).order_by("granted_at", "id"),
            "id",
            "source",
            "granted_at",
            "expires_at",
            "ended_at",
            "end_reason",
            "archived_at",
            "note",
            content="content__title",
            learning_path="learning_path__title",
            plan="plan__name",
        ),
        "sublicense_seats": plain_rows(
            SublicenseSeat.objects.filter(user=user).order_by("assigned_at", "id"),
            "assigned_at",
            panorama="panorama__name",
            sublicense="sublicense__name",
        ),
        "bulk_purchases": plain_rows(
            BulkPurchase.objects.filter(buyer=user).order_by("purchased_at", "id"),
            "order_reference",
            "seats",
            "purchased_at",
            content="content__title",
        ),
        "redeemed_codes": plain_rows(
            RedemptionCode.objects.filter(redeemed_by=user).order_by("redeemed_at", "id"),
            "code",
            "redeemed_at",
            order_reference="bulk_purchase__order_reference",
        ),
    }


def erase(user):
    """Grants, seats and bulk purchases stay (they are the school's records); notes go."""
    notes = AccessGrant.objects.filter(user=user).exclude(note="").update(note=ERASED)
    return {"grant_notes_erased": notes}
