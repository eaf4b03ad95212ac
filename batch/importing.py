"""Import learners from CSV: validate every row first, then write in bulk in one transaction.

Rows are numbered as in a spreadsheet: the header is row 1, the first learner row 2. A column
present in the header is applied (an empty cell clears the value); a column left out is kept.
Content grants only open access: a slug missing from the `grants` cell revokes nothing.
"""

import secrets
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Lower
from django.utils import timezone

from users import audit, bulk_writes, details
from users.field_services import change_key
from users.models import AuditEvent, User
from users.roles import Role, role_of
from users.rules import can_assign_role, can_edit_user, can_manage_users

from . import field_columns
from . import grants as content
from .csv_rows import (
    BUILTIN_COLUMNS,
    GRANTS_COLUMN,
    ImportRefused,
    RowError,
    check_header,
    read_rows,
    validate_cells,
)

# An import this large runs ANALYZE on the users table (like seed_demo after loading).
ANALYZE_FROM = 10_000
ADD_PERMISSION = "users.add_user"
CHANGE_PERMISSION = "users.change_user"


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    grants: int = 0
    # Of `grants`, once written: the ones that opened content (the rest were held already).
    grants_opened: int = 0
    errors: list = field(default_factory=list)
    dry_run: bool = False
    written: bool = False

    @property
    def ok(self):
        return not self.errors

    @property
    def nothing_changed(self):
        """Written, and every row was already as on record: no user and no grant changed."""
        return self.written and not (self.created or self.updated or self.grants_opened)

    @property
    def grants_held(self):
        """Grants in a written file that opened nothing: the learner held the content."""
        return self.grants - self.grants_opened if self.written else 0


def _matching(emails):
    """Querysets of the existing users with these e-mails: one per chunk, or one in all.

    On PostgreSQL the e-mails go into a temporary table by COPY and one query joins it
    (a 100,000-item IN list costs seconds to build); elsewhere, chunks of IN lists.
    """
    users = User.objects.filter(learner_record_of__isnull=True)
    if connection.vendor != "postgresql":
        users = users.annotate(email_lower=Lower("email"))
        return [users.filter(email_lower__in=chunk) for chunk in bulk_writes.chunks(emails, 5000)]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_emails")
        cursor.execute("CREATE TEMPORARY TABLE import_emails (email text) ON COMMIT DROP")
        bulk_writes.copy_rows(
            cursor.cursor, "import_emails", ["email"], ([email] for email in emails)
        )
        cursor.execute("ANALYZE import_emails")
    users = users.annotate(email_lower=Lower("email"))
    return [users.filter(email_lower__in=RawSQL("SELECT email FROM import_emails", []))]


def _existing_users(emails, *, lock):
    """{lower-case e-mail: user} for the e-mails already taken, with their roles."""
    found = {}
    through = User.groups.through
    for users in _matching(emails):
        ids = users.values("pk")
        if lock:
            users = users.select_for_update(of=("self",))
        stored = users.defer("phone").annotate(stored_phone=Cast("phone", CharField()))
        for user in stored:
            user._role_group_names = set()
            found[user.email_lower] = user
        by_id = {user.pk: user for user in found.values()}
        for user_id, name in through.objects.filter(user_id__in=ids).values_list(
            "user_id", "group__name"
        ):
            by_id[user_id]._role_group_names.add(name)
    return found


def _check_rules(plan, actor, grants):
    """Errors when the actor may not create/update this user or give this role."""
    if actor is None:
        return []
    errors = []
    target = plan.user
    if target is None:
        target = User(email=plan.email)
        target._role_group_names = set()
        if not actor.has_perm(ADD_PERMISSION):
            errors.append(RowError(plan.row, "email", "You may not add users."))
    elif not (can_edit_user(actor=actor, target=target) and actor.has_perm(CHANGE_PERMISSION)):
        errors.append(RowError(plan.row, "email", "You may not change this user's record."))
        return errors
    new_role = plan.role is not None and (plan.user is None or plan.role != role_of(plan.user))
    if new_role and not can_assign_role(actor=actor, target=target, role=plan.role):
        errors.append(RowError(plan.row, "role", "You may not give this role."))
    needs = grants.PERMISSION if (plan.grants and grants is not None) else ""
    if needs and not actor.has_perm(needs):
        errors.append(RowError(plan.row, GRANTS_COLUMN, "You may not grant content."))
    return errors


def _diff(plan, stored):
    """{field: [old, new]}: for a learner on record, what the Details tab's diff says
    (users/details.py) and the custom inputs and survey answers the row changes; for a new
    one, every value given (old is None). `stored` is {(user id, field key): text}."""
    user = plan.user
    if user is not None:
        changes = details.detail_changes(
            user,
            profile=plan.profile,
            role=plan.role,
            references=plan.references,
            stored_references={key: stored.get((user.pk, key), "") for key in plan.references},
        )
        for profile_field, value in plan.answers.items():
            old = stored.get((user.pk, profile_field.key), "")
            if old != value:
                changes[change_key(profile_field)] = [old, value]
        return changes
    changes = {column: [None, value] for column, value in plan.profile.items() if value}
    if plan.role is not None and plan.role != Role.LEARNER:
        changes["role"] = [None, plan.role.label]
    for key, value in plan.references.items():
        if value:
            changes[f"reference:{key}"] = [None, value]
    for profile_field, value in plan.answers.items():
        if value:
            changes[change_key(profile_field)] = [None, value]
    return changes


def _retired_choice_errors(plan, stored):
    """A retired choice is kept only where the learner already has it (a re-imported export)."""
    user_id = plan.user.pk if plan.user is not None else None
    value_of = {**plan.references, **{f.key: value for f, value in plan.answers.items()}}
    return [
        RowError(plan.row, column, message)
        for profile_field, (column, message) in plan.retired_choices.items()
        if stored.get((user_id, profile_field.key)) != value_of[profile_field.key]
    ]


def _stored(existing, header, fields):
    """{(user id, field key): text} of the header's learner fields for the learners on record."""
    named = {fields[column].pk: fields[column] for column in header if column in fields}
    values = field_columns.stored_values(
        [user.pk for user in existing.values()], list(named.values())
    )
    return {(user_id, named[field_id].key): value for (user_id, field_id), value in values.items()}


def validate(header, rows, *, actor, grants=None, lock=False, progress=None):
    """(plans of valid rows, errors, fields by column): every problem, by row and column."""
    fields = field_columns.by_column(field_columns.all_fields(), BUILTIN_COLUMNS)
    errors = check_header(header, fields, grants)
    if errors:
        raise ImportRefused(errors)
    if actor is not None and not can_manage_users(actor=actor):
        raise ImportRefused([RowError(1, "", "You may not manage users.")])
    fields = {column: fields[column] for column in header if column in fields}
    today = timezone.localdate()
    plans, bad_rows, first_row_of = [], set(), {}
    for count, (number, cells) in enumerate(rows, start=1):
        plan, row_errors = validate_cells(header, number, cells, today, fields)
        if plan.email and not any(error.column == "email" for error in row_errors):
            if plan.email in first_row_of:
                row_errors.append(
                    RowError(number, "email", f"Also on row {first_row_of[plan.email]}.")
                )
            else:
                first_row_of[plan.email] = number
        errors.extend(row_errors)
        if row_errors:
            bad_rows.add(number)
        plans.append(plan)
        if progress and count % bulk_writes.PROGRESS_EVERY == 0:
            progress(f"Checked {count:,} of {len(rows):,} rows")
    slugs = {slug for plan in plans for slug, _ in plan.grants}
    items = grants.find(slugs) if (grants is not None and slugs) else {}
    existing = _existing_users(first_row_of, lock=lock)
    stored = _stored(existing, header, fields) if fields and existing else {}
    for plan in plans:
        if plan.row in bad_rows:
            continue
        plan.user = existing.get(plan.email)
        row_errors = [
            RowError(plan.row, GRANTS_COLUMN, f"No content with the slug {slug!r}.")
            for slug, _ in plan.grants
            if slug not in items
        ]
        row_errors.extend(_retired_choice_errors(plan, stored))
        row_errors.extend(_check_rules(plan, actor, grants))
        if row_errors:
            errors.extend(row_errors)
            bad_rows.add(plan.row)
            continue
        plan.grants = [(items[slug], slug, expires_on) for slug, expires_on in plan.grants]
        plan.changes = _diff(plan, stored)
    errors.sort(key=lambda error: (error.row, error.column))
    valid = [plan for plan in plans if plan.row not in bad_rows]
    return valid, errors, fields


def import_users(
    text_stream,
    *,
    actor,
    dry_run=False,
    valid_rows_only=False,
    grants=None,
    source="CSV import",
    progress=None,
):
    """Create or update users from CSV (matched by e-mail); all or nothing unless told."""
    grants = grants if grants is not None else content
    header, rows = read_rows(text_stream)
    result = ImportResult(rows=len(rows), dry_run=dry_run)
    if progress:
        progress(f"Read {len(rows):,} rows")
    if dry_run:
        with transaction.atomic():
            plans, result.errors, _ = validate(
                header, rows, actor=actor, grants=grants, progress=progress
            )
            transaction.set_rollback(True)
        _count(result, plans)
        return result
    try:
        with transaction.atomic():
            plans, result.errors, _ = validate(
                header, rows, actor=actor, grants=grants, lock=True, progress=progress
            )
            _count(result, plans)
            if result.errors and not valid_rows_only:
                return result
            result.grants_opened = _write(
                plans,
                actor=actor,
                grants=grants,
                note=source,
                progress=progress,
            )
            result.written = True
            if len(plans) >= ANALYZE_FROM and connection.vendor == "postgresql":
                # Fresh statistics for what the import filled, before anyone searches it.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE users_user")
    except IntegrityError:
        # Someone added one of these e-mails while we were importing.
        raise ImportRefused(
            [RowError(1, "email", "Another user took one of these e-mails meanwhile; try again.")]
        ) from None
    except (PermissionDenied, ValidationError) as error:
        raise ImportRefused([RowError(1, "", " ".join(_messages(error)))]) from None
    return result


def _messages(error):
    return error.messages if isinstance(error, ValidationError) else [str(error)]


def _count(result, plans):
    bad = {error.row for error in result.errors}
    result.skipped = len(bad - {1})
    for plan in plans:
        if plan.user is None:
            result.created += 1
        elif plan.changes:
            result.updated += 1
        else:
            result.unchanged += 1
        result.grants += len(plan.grants)


def _write(plans, *, actor, grants, note, progress):
    now = timezone.now()
    new_plans = [plan for plan in plans if plan.user is None]
    updates = [plan for plan in plans if plan.user is not None and plan.changes]
    new_rows = []
    for plan in new_plans:
        plan.created = True
        new_rows.append(
            {
                **plan.profile,
                "password": UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20),
                "date_joined": now,
            }
        )
    ids = bulk_writes.insert(User, new_rows, returning_ids=True, progress=progress, label="users")
    for plan, user_id, row in zip(new_plans, ids, new_rows, strict=True):
        plan.user = User(pk=user_id, **row)
        plan.user._state.adding = False
        plan.user._role_group_names = set()
    details.apply(
        [details.Change(p.user, p.profile, p.role, p.references, p.changes) for p in updates],
        actor=actor,
        note=note,
    )
    new = [details.Change(p.user, p.profile, p.role, p.references, p.changes) for p in new_plans]
    details.roles_set([(change.user, change.role) for change in new if "role" in change.changes])
    details.references_set(new, new_users=True)
    field_columns.answers_set(updates)
    field_columns.answers_set(new_plans, new_users=True)
    items = [(change.user, "user.created", change.changes) for change in new]
    bulk_writes.insert(AuditEvent, audit.event_rows(actor=actor, items=items, note=note))
    opened = 0
    for plan in plans:
        for item, _slug, expires_on in plan.grants:
            _, opening = grants.grant(user=plan.user, item=item, expires_on=expires_on, actor=actor)
            opened += opening
    if progress:
        progress(
            f"Wrote {len(new_plans):,} new and {len(updates):,} changed users, {opened:,} grants"
        )
    return opened
