"""Inserts that two requests may race for: a unique constraint lets one of them win."""

from django.db import IntegrityError, transaction


def create_unless_taken(model, **fields):
    """The new row, or None when a unique constraint says another request stored it first.

    The insert runs in a savepoint, so the caller's transaction carries on after a loss.
    """
    try:
        with transaction.atomic():
            return model.objects.create(**fields)
    except IntegrityError:
        return None
