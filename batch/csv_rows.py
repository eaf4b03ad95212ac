"""The CSV of an import: its columns, and each row read and checked cell by cell.

Rows are numbered as in a spreadsheet: the header is row 1, the first learner row 2.
"""

import csv
import datetime
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from users import details, field_types
from users.models import ProfileField, User
from users.roles import Role

from . import field_columns

# The columns of a learner's record, e-mail first (it finds the learner).
PROFILE_COLUMNS = ("email", *(name for name in details.PROFILE_FIELDS if name != "email"))
COLUMNS = (*PROFILE_COLUMNS, "role")
GRANTS_COLUMN = "grants"
# Names a learner field's column cannot take (it goes by "reference:<key>" and so on).
BUILTIN_COLUMNS = frozenset((*COLUMNS, GRANTS_COLUMN))
MAX_LENGTHS = {name: User._meta.get_field(name).max_length for name in PROFILE_COLUMNS}
MAX_LENGTHS.pop("phone")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self):
        where = f"row {self.row}, {self.column}" if self.column else f"row {self.row}"
        return f"{where}: {self.message}"


@dataclass
class RowPlan:
    row: int
    email: str
    profile: dict
    role: Role | None
    references: dict
    grants: list
    # Custom inputs and survey answers: {ProfileField: stored text}.
    answers: dict = field(default_factory=dict)
    # Cells naming a retired choice: {ProfileField: (column, message)}, an error unless the
    # learner already has that value.
    retired_choices: dict = field(default_factory=dict)
    user: User | None = None
    changes: dict = field(default_factory=dict)
    created: bool = False


class ImportRefused(Exception):
    """The file cannot be read at all (encoding, header): nothing was written."""

    def __init__(self, errors):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def read_rows(text_stream):
    """(header, [(row number, cells)]) from a CSV text stream; blank lines are ignored."""
    try:
        reader = csv.reader(text_stream)
        header = next(reader, None)
        rows = [
            (number, cells)
            for number, cells in enumerate(reader, start=2)
            if any(cell.strip() for cell in cells)
        ]
    except UnicodeDecodeError:
        raise ImportRefused([RowError(1, "", "The file is not UTF-8 text.")]) from None
    except csv.Error as error:
        raise ImportRefused([RowError(1, "", f"The file is not valid CSV ({error}).")]) from None
    if not header or not any(cell.strip() for cell in header):
        raise ImportRefused([RowError(1, "", "The file is empty: the first row names columns.")])
    return [cell.strip().lower() for cell in header], rows


def check_header(header, fields, grants):
    """Errors of the header row; `fields` is {column name: ProfileField} (field_columns)."""
    errors = []
    seen, seen_fields = set(), {}
    for column in header:
        if not column:
            continue  # spreadsheets add nameless trailing columns
        if column in seen:
            errors.append(RowError(1, column, "This column appears twice."))
        seen.add(column)
        if column in BUILTIN_COLUMNS:
            continue
        if column in fields:
            problem = field_columns.header_error(column, fields[column], seen_fields)
            seen_fields.setdefault(fields[column].pk, column)
            if problem:
                errors.append(RowError(1, column, problem))
            continue
        if column.startswith(field_columns.LEGACY_PREFIX):
            errors.append(RowError(1, column, "There is no reference field with this key."))
            continue
        keys = sorted({f.key for f in fields.values() if not f.is_retired})
        known = ", ".join((*COLUMNS, GRANTS_COLUMN, *keys))
        errors.append(
            RowError(1, column, f"Unknown column: no learner field has this key. Known: {known}.")
        )
    if "email" not in seen:
        errors.append(RowError(1, "email", "The email column is required."))
    return errors


def _unquote(cell):
    """The export quotes cells that spreadsheets would run as formulas ('=...): undo it."""
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@"):
        return cell[1:]
    return cell


def _parse_phone(value):
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse_grants(cell, row, today):
    """[(slug, date or None)] and errors for one `grants` cell: slug[@YYYY-MM-DD];..."""
    grants, errors, seen = [], [], set()
    for part in cell.split(";"):
        part = part.strip()
        if not part:
            continue
        slug, _, day = part.partition("@")
        slug = slug.strip().lower()
        expires_on = None
        if day.strip() or "@" in part:
            try:
                expires_on = datetime.date.fromisoformat(day.strip())
            except ValueError:
                errors.append(RowError(row, GRANTS_COLUMN, f"{part}: use slug@YYYY-MM-DD."))
                continue
            if expires_on < today:
                errors.append(RowError(row, GRANTS_COLUMN, f"{part}: this date is in the past."))
                continue
        if slug and slug not in seen:
            seen.add(slug)
            grants.append((slug, expires_on))
    return grants, errors


def validate_cells(header, number, cells, today, fields=None):
    """A RowPlan (possibly incomplete) and the errors of one row, without queries; `fields`
    is {column name: ProfileField} of the header's learner-field columns."""
    errors = []
    if len(cells) != len(header):
        errors.append(
            RowError(
                number, "", f"Expected {len(header)} cells as in the header, found {len(cells)}."
            )
        )
        cells = (cells + [""] * len(header))[: len(header)]
    values = {}
    for column, cell in zip(header, cells, strict=True):
        if column:
            values[column] = _unquote(cell.strip())
        elif cell.strip():
            errors.append(RowError(number, "", "A value under a column with no name."))
    email = User.objects.normalize_email(values.get("email", ""))
    if not email:
        errors.append(RowError(number, "email", "An e-mail address is required."))
    elif len(email) > MAX_LENGTHS["email"]:
        errors.append(RowError(number, "email", "At most 254 characters."))
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(RowError(number, "email", f"{email!r} is not an e-mail address."))
    profile = {"email": email}
    for column in PROFILE_COLUMNS[1:]:
        if column not in values:
            continue
        value = values[column]
        if column == "phone":
            if value:
                parsed = _parse_phone(value)
                if parsed is None:
                    errors.append(
                        RowError(number, column, "Not a phone number; use +CC and the number.")
                    )
                value = parsed or ""
        elif len(value) > MAX_LENGTHS[column]:
            errors.append(RowError(number, column, f"At most {MAX_LENGTHS[column]} characters."))
        profile[column] = value
    role = None
    if values.get("role"):
        try:
            role = Role(values["role"].lower())
        except ValueError:
            errors.append(
                RowError(number, "role", "Use learner, customer_service or admin (or leave empty).")
            )
    references, answers, retired_choices = {}, {}, {}
    for column, value in values.items():
        profile_field = (fields or {}).get(column)
        if profile_field is None:
            continue
        try:
            stored, retired = field_columns.parse_cell(profile_field, value)
        except ValidationError as error:
            errors.append(RowError(number, column, " ".join(error.messages)))
            continue
        if retired:
            message = f"“{value}” is a retired choice; the choices are: " + ", ".join(
                label for _, label in field_types.offered_choices(profile_field)
            )
            retired_choices[profile_field] = (column, message + ".")
        if profile_field.kind == ProfileField.Kind.REFERENCE:
            references[profile_field.key] = stored
        else:
            answers[profile_field] = stored
    grants = []
    if values.get(GRANTS_COLUMN):
        grants, grant_errors = _parse_grants(values[GRANTS_COLUMN], number, today)
        errors.extend(grant_errors)
    plan = RowPlan(
        row=number,
        email=email,
        profile=profile,
        role=role,
        references=references,
        grants=grants,
        answers=answers,
        retired_choices=retired_choices,
    )
    return plan, errors
