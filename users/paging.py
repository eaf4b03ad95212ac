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


# A cursor is untrusted input: it comes back in the query string, and anyone can craft one.
MAX_CURSOR_LENGTH = 4096
MAX_TEXT_VALUE = 1000
INT_RANGE = range(-(2**63), 2**63)


def _clean_text(value):
    """The string if a database can take it as a parameter: no NUL, no lone surrogate."""
    if not isinstance(value, str) or len(value) > MAX_TEXT_VALUE or "\x00" in value:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


def _clean_value(kind, value):
    if kind == "datetime":
        if _clean_text(value) is None:
            return None
        try:
            moment = parse_datetime(value)
        except ValueError:
            return None
        return moment if moment is not None and moment.tzinfo is not None else None
    if kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and value in INT_RANGE
        return value if ok else None
    return _clean_text(value)


def decode_cursor(cursor, kinds):
    """(direction, values) or None for a missing or malformed cursor (bad input is page 1).

    Every value is checked against its kind as strictly as a form field: a value the
    database would refuse (NUL, a lone surrogate, an integer past 64 bits, a naive or
    impossible date) makes the whole cursor malformed.
    """
    if not cursor or not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error, UnicodeError, RecursionError):
        return None
    if not isinstance(decoded, list) or len(decoded) != 2:
        return None
    direction, values = decoded
    if direction not in ("after", "before") or not isinstance(values, list):
        return None
    if len(values) != len(kinds):
        return None
    parsed = [_clean_value(kind, value) for kind, value in zip(kinds, values, strict=True)]
    if any(value is None for value in parsed):
        return None
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
