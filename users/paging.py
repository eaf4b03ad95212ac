"""Keyset ("after this row") paging: every page costs the same, no COUNT(*), no OFFSET."""

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils.dateparse import parse_datetime


@dataclass
class Page:
    rows: list
    next_cursor: str | None = None
    previous_cursor: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def has_other_pages(self):
        return bool(self.next_cursor or self.previous_cursor)


def encode_cursor(direction, values):
    # isoformat keeps microseconds (DjangoJSONEncoder would cut them to milliseconds and
    # skip rows written within the same millisecond).
    values = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    raw = json.dumps([direction, values], cls=DjangoJSONEncoder).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor, kinds):
    """(direction, values) or None for a missing or malformed cursor (bad input is page 1)."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        direction, values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None
    if direction not in ("after", "before") or not isinstance(values, list):
        return None
    if len(values) != len(kinds):
        return None
    parsed = []
    for kind, value in zip(kinds, values, strict=True):
        if kind == "datetime":
            value = parse_datetime(value) if isinstance(value, str) else None
            if value is None:
                return None
        elif kind == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                return None
        elif not isinstance(value, str):
            return None
        parsed.append(value)
    return direction, parsed


def _beyond(order, values, forward):
    """Q for rows strictly after (forward) or before the row with these sort values."""
    query = Q(pk__in=[])
    equal = Q()
    for (name, descending), value in zip(order, values, strict=True):
        ascending_step = forward != descending
        query |= equal & Q(**{f"{name}__{'gt' if ascending_step else 'lt'}": value})
        equal &= Q(**{name: value})
    return query


def keyset_bounds(queryset, *, order, kinds, cursor):
    """(queryset past the cursor, ordering, forward, decoded cursor) for one keyset page."""
    decoded = decode_cursor(cursor, kinds)
    forward = decoded is None or decoded[0] == "after"
    if decoded is not None:
        queryset = queryset.filter(_beyond(order, decoded[1], forward))
    ordering = [
        (f"-{name}" if descending else name) if forward else (name if descending else f"-{name}")
        for name, descending in order
    ]
    return queryset, ordering, forward, decoded


def page_of(rows, *, order, forward, decoded, size):
    """A Page from up to size + 1 rows fetched in `ordering` direction, with its cursors."""
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()

    def key(row):
        return [getattr(row, name) for name, _ in order]

    next_cursor = previous_cursor = None
    if rows:
        if (forward and more) or (not forward and decoded is not None):
            next_cursor = encode_cursor("after", key(rows[-1]))
        if (not forward and more) or (forward and decoded is not None):
            previous_cursor = encode_cursor("before", key(rows[0]))
    return Page(rows=rows, next_cursor=next_cursor, previous_cursor=previous_cursor)


def keyset_page(queryset, *, order, kinds, cursor, size):
    """One page of `queryset` ordered by `order` [(field, descending)], the last unique."""
    queryset, ordering, forward, decoded = keyset_bounds(
        queryset, order=order, kinds=kinds, cursor=cursor
    )
    rows = list(queryset.order_by(*ordering)[: size + 1])
    return page_of(rows, order=order, forward=forward, decoded=decoded, size=size)
