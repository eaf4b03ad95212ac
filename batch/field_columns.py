"""The school's learner fields as CSV columns: one column per field, named by its key.

Reference fields, custom inputs and survey answers alike; each cell is read by the field's
type (users/field_types.parse) into the text it is stored as, which is also what the export
writes, so an export imports back unchanged. A key that is also a built-in column (email,
role, ...) goes by its audit name instead ("reference:email"); "ref:<key>" still names a
reference field, as in files made before the other kinds were importable.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone

from users import bulk_writes, field_types
from users.field_services import change_key
from users.models import ProfileField, ProfileValue

LEGACY_PREFIX = "ref:"
Kind = ProfileField.Kind


def all_fields():
    """Every learner field, retired ones too (their columns are refused by name)."""
    return list(ProfileField.objects.all())


def active(fields):
    return [field for field in fields if not field.is_retired]


def column_names(field, builtin):
    """Every name a column of this field may have (lower case), the export's first."""
    key = field.key.lower()
    names = [key] if key not in builtin else []
    names.append(change_key(field).lower())
    if field.kind == Kind.REFERENCE:
        names.append(LEGACY_PREFIX + key)
    return names


def export_header(fields, builtin):
    """The column name the export gives each of these fields."""
    return [column_names(field, builtin)[0] for field in fields]


def by_column(fields, builtin):
    """{column name: field} of every name a field's column may have."""
    return {name: field for field in fields for name in column_names(field, builtin)}


def header_error(column, field, seen_fields):
    """Why this field's column cannot be imported, or None."""
    if field.is_retired:
        return (
            f"“{field.label}” is retired: restore it in Settings > Learner fields, or remove "
            "this column."
        )
    if field.pk in seen_fields and seen_fields[field.pk] != column:
        return f"This column and “{seen_fields[field.pk]}” are the same field ({field.label})."
    return None


def parse_cell(field, text):
    """(stored text, whether it is a retired choice) of one cell; ValidationError with the
    message for the error table. A retired choice is accepted only if the learner already has
    it (checked once stored values are read): a re-imported export leaves it as it was."""
    try:
        return field_types.parse(field, text), False
    except ValidationError as error:
        if field.field_type in field_types.CHOICE_TYPES:
            several = field.field_type == ProfileField.Type.CHOICES
            parts = [part.strip() for part in text.split(",")] if several else [text.strip()]
            known = {choice["key"] for choice in field.choices}
            if all(part in known for part in parts):
                return field_types.to_stored(field, parts if several else parts[0]), True
        raise ValidationError(_without_label(field, error)) from None


def _without_label(field, error):
    """The parse message without its "Label: " start (the error table names the column)."""
    return " ".join(message.removeprefix(f"{field.label}: ") for message in error.messages)


def stored_values(user_ids, fields):
    """{(user id, field pk): stored text} of these learners' values for these fields."""
    found = {}
    if not fields or not user_ids:
        return found
    pks = [field.pk for field in fields]
    for chunk in bulk_writes.chunks(user_ids):
        for user_id, field_id, value in ProfileValue.objects.filter(
            user_id__in=chunk, field_id__in=pks
        ).values_list("user_id", "field_id", "value"):
            found[(user_id, field_id)] = value
    return found


def answers_set(plans, *, new_users=False):
    """Store the custom inputs and survey answers each plan changes (the audit event is the
    one details.apply or the import writes for that learner); an empty cell removes the
    answer. Reference fields go through details.references_set."""
    wanted = [
        (plan.user.pk, field, text)
        for plan in plans
        for field, text in plan.answers.items()
        if change_key(field) in plan.changes
    ]
    if not wanted:
        return
    existing = {}
    if not new_users:
        existing = {
            (user_id, field_id): pk
            for chunk in bulk_writes.chunks(list({user_id for user_id, _, _ in wanted}))
            for pk, user_id, field_id in ProfileValue.objects.filter(
                user_id__in=chunk, field_id__in=list({field.pk for _, field, _ in wanted})
            ).values_list("pk", "user_id", "field_id")
        }
    now = timezone.now()
    create, update, remove = [], [], []
    for user_id, field, text in wanted:
        kept = existing.get((user_id, field.pk))
        if kept is None and text:
            create.append(
                {"user_id": user_id, "field_id": field.pk, "value": text, "answered_at": now}
            )
        elif kept is not None and text:
            update.append([kept, text, now])
        elif kept is not None:
            remove.append(kept)
    bulk_writes.insert(ProfileValue, create)
    bulk_writes.update(ProfileValue, ["value", "answered_at"], update)
    for chunk in bulk_writes.chunks(remove):
        ProfileValue.objects.filter(pk__in=chunk).delete()
