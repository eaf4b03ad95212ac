"""Export users as CSV rows in the import's own columns, so an export imports back unchanged."""

import csv

from users.models import ProfileValue, User
from users.roles import role_of
from users.rules import exportable_users
from users.selectors import learner_search, narrowed

from . import field_columns
from . import grants as content
from .csv_rows import BUILTIN_COLUMNS, COLUMNS, GRANTS_COLUMN

CHUNK = 2000


def users_to_export(*, query="", disabled=False, actor=None, conditions=()):
    """The users of the learners list (same search and filters, users/list_filters.py; active
    or disabled), oldest first; for an actor, only those whose data they may export (the ops
    command has none: everyone)."""
    users = User.objects.filter(is_active=not disabled, learner_record_of__isnull=True)
    users = narrowed(users, conditions)
    if actor is not None:
        users = exportable_users(users, actor=actor)
    return learner_search(users, query[:200]).order_by("id")


def _batches(queryset):
    batch = []
    for user in queryset.iterator(chunk_size=CHUNK):
        batch.append(user)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _grants_cell(grants):
    return ";".join(f"{slug}@{day.isoformat()}" if day else slug for slug, day in grants)


def rows(queryset, *, grants=None):
    """The header, then one list of cells per user; a few queries per 2,000 users. A column
    per active learner field (by key), its cells in the text the import reads back."""
    grants = grants if grants is not None else content
    fields = field_columns.active(field_columns.all_fields())
    yield [
        *COLUMNS,
        *field_columns.export_header(fields, BUILTIN_COLUMNS),
        *([GRANTS_COLUMN] if grants is not None and grants.held else []),
    ]
    through = User.groups.through
    for batch in _batches(queryset):
        ids = [user.pk for user in batch]
        names = {user.pk: set() for user in batch}
        for user_id, name in through.objects.filter(user_id__in=ids).values_list(
            "user_id", "group__name"
        ):
            names[user_id].add(name)
        values = {}
        if fields:
            for user_id, field_id, value in ProfileValue.objects.filter(
                user_id__in=ids, field__in=fields
            ).values_list("user_id", "field_id", "value"):
                values[(user_id, field_id)] = value
        held = grants.held(ids) if grants is not None and grants.held else None
        for user in batch:
            user._role_group_names = names[user.pk]
            row = [str(getattr(user, column) or "") for column in COLUMNS[:-1]]
            row.append(role_of(user).value)
            row.extend(values.get((user.pk, field.pk), "") for field in fields)
            if held is not None:
                row.append(_grants_cell(held.get(user.pk, [])))
            yield row


class _Line:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value):
        return value


def csv_lines(cell_rows):
    """CSV text, one line at a time (never the whole file in memory)."""
    writer = csv.writer(_Line())
    for row in cell_rows:
        yield writer.writerow([_safe(cell) for cell in row])


def _safe(cell):
    """Spreadsheets run cells starting with = + - @ as formulas; quote them as text."""
    if cell and cell[0] in "=+-@" and not _is_phone(cell):
        return "'" + cell
    return cell


def _is_phone(cell):
    return cell[0] == "+" and cell[1:].isdigit()
