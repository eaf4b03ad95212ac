"""Rows of plain values for the export, and the text that replaces erased data."""

import datetime
import decimal

ERASED = "[erased]"


def plain(value):
    """A JSON-ready value: dates as ISO 8601, decimals and other objects as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return str(value)


def plain_rows(queryset, *fields, **renamed):
    """Rows of plain values: `fields` as named, `renamed` as {column: lookup}."""
    columns = {field: field for field in fields} | renamed
    return [
        {column: plain(row[lookup]) for column, lookup in columns.items()}
        for row in queryset.values(*columns.values())
    ]
