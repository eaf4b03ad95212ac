"""Changes to school-defined learner fields: their definitions (Settings > Learner fields) and
a learner's own answers (custom inputs at invitation and on My profile, the onboarding survey).

Staff set reference fields through the Details tab, bulk edit and the import (users/details.py),
which record them as "reference:<key>" changes; a learner's answers are "input:<key>" and
"survey:<key>". Every value is stored in its type's canonical text (users/field_types.py).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from . import audit, details
from .models import ProfileField, ProfileValue
from .rules import can_manage_users, require

Kind = ProfileField.Kind
PERMISSION = "users.change_profilefield"
CHANGE_PREFIX = {Kind.REFERENCE: "reference", Kind.CUSTOM_INPUT: "input", Kind.SURVEY: "survey"}
DEFINITION = ["label", "field_type", "required", "help_text", "learner_visible", "choices"]


def change_key(field):
    """The name a change of this field's value has in an audit event."""
    return f"{CHANGE_PREFIX[field.kind]}:{field.key}"


def _require_admin(actor):
    require(
        actor is not None and actor.has_perm(PERMISSION),
        "Only an Admin may change the school's learner fields.",
    )


def _locked(field):
    return ProfileField.objects.select_for_update().get(pk=field.pk)


def choices_from_labels(labels, *, previous=()):
    """The stored choice list for these labels, in order: a label kept from `previous` keeps
    its key (past answers stay attached), a new one gets a key made from it, and a previous
    choice left out is kept as retired (past answers still read as its label)."""
    by_label = {c["label"].casefold(): c for c in previous}
    taken = {c["key"] for c in previous}
    result, used = [], set()
    for label in labels:
        label = label.strip()
        if not label or label.casefold() in used:
            continue
        used.add(label.casefold())
        kept = by_label.get(label.casefold())
        if kept is not None:
            result.append({"key": kept["key"], "label": label, "retired": False})
            continue
        key = base = slugify(label)[:40] or "choice"
        number = 2
        while key in taken:
            key, number = f"{base}-{number}", number + 1
        taken.add(key)
        result.append({"key": key, "label": label, "retired": False})
    for choice in previous:
        if choice["label"].casefold() not in used:
            result.append({**choice, "retired": True})
    return result


@transaction.atomic
def field_create(
    *,
    actor,
    kind,
    key,
    label,
    field_type,
    required=False,
    help_text="",
    learner_visible=False,
    choices=(),
):
    """Define a new learner field, placed last among its kind."""
    _require_admin(actor)
    if ProfileField.objects.filter(key=key).exists():
        raise ValidationError({"key": "Another learner field already has this key."})
    last = ProfileField.objects.filter(kind=kind).aggregate(last=Max("position"))["last"]
    field = ProfileField.objects.create(
        kind=kind,
        key=key,
        label=label,
        field_type=field_type,
        required=required,
        help_text=help_text,
        learner_visible=learner_visible and kind == Kind.REFERENCE,
        choices=choices_from_labels(choices),
        position=0 if last is None else last + 1,
    )
    audit.record(
        actor=actor,
        subject=None,
        action="learner_field.created",
        changes={
            name: [None, _in_audit(name, getattr(field, name))] for name in ["key", *DEFINITION]
        },
    )
    return field


@transaction.atomic
def field_update(*, actor, field, values):
    """Change a field's label, type, requirement, help, visibility or choices (`values` by
    name; "choices" as a list of labels). Returns {name: [old, new]}; empty means nothing
    changed, and then nothing is written."""
    _require_admin(actor)
    field = _locked(field)
    values = dict(values)
    if "choices" in values:
        values["choices"] = choices_from_labels(values["choices"], previous=field.choices)
    if field.kind != Kind.REFERENCE:
        values.pop("learner_visible", None)
    if values.get("field_type", field.field_type) != field.field_type and field.values.exists():
        raise ValidationError(
            {"field_type": "Learners have answered this field: its type can no longer change."}
        )
    changes = {}
    for name, value in values.items():
        if getattr(field, name) != value:
            changes[name] = [_in_audit(name, getattr(field, name)), _in_audit(name, value)]
            setattr(field, name, value)
    if changes:
        field.save(update_fields=list(changes))
        audit.record(
            actor=actor,
            subject=None,
            action="learner_field.updated",
            changes=changes,
            note=field.key,
        )
    return field, changes


@transaction.atomic
def field_retire(*, actor, field, retired=True):
    """Retire a field (hidden everywhere it is asked or edited; its values kept), or bring it
    back. False when it already was so (nothing written)."""
    _require_admin(actor)
    field = _locked(field)
    if field.is_retired == retired:
        return False
    before = field.retired_at
    field.retired_at = timezone.now() if retired else None
    field.save(update_fields=["retired_at"])
    audit.record(
        actor=actor,
        subject=None,
        action="learner_field.retired" if retired else "learner_field.restored",
        changes={"retired": [before is not None, retired]},
        note=field.key,
    )
    return True


@transaction.atomic
def field_delete(*, actor, field):
    """Delete a field no learner has a value for; one with values can only be retired."""
    _require_admin(actor)
    field = _locked(field)
    answered = field.values.count()
    if answered:
        raise ValidationError(
            f"{answered:,} learner{'s have' if answered != 1 else ' has'} a value for "
            f"“{field.label}”: retire it instead, which hides it and keeps the values."
        )
    audit.record(
        actor=actor,
        subject=None,
        action="learner_field.deleted",
        changes={
            name: [_in_audit(name, getattr(field, name)), None] for name in ["key", *DEFINITION]
        },
    )
    field.delete()


@transaction.atomic
def field_move(*, actor, field, offset):
    """Move a field up (offset -1) or down (+1) among its kind; False at either end."""
    _require_admin(actor)
    siblings = list(ProfileField.objects.select_for_update().filter(kind=field.kind))
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == field.pk)
    other = index + offset
    if not 0 <= other < len(siblings):
        return False
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])
    audit.record(
        actor=actor,
        subject=None,
        action="learner_field.moved",
        changes={"position": [index + 1, other + 1]},
        note=siblings[other].key,
    )
    return True


def asked(kind):
    """The fields of this kind asked now (not retired), in order."""
    return list(ProfileField.objects.filter(kind=kind, retired_at__isnull=True))


def stored_answers(user, fields):
    """{field pk: ProfileValue} of the user's values for these fields."""
    return {
        value.field_id: value
        for value in ProfileValue.objects.filter(user=user, field__in=[f.pk for f in fields])
    }


def answers_write(user, answers):
    """Store {ProfileField: canonical text} for a user ('' removes the answer) and return the
    audit changes {change key: [old, new]}; the caller holds the transaction and writes the
    event. Answers equal to what is stored change nothing."""
    fields = list(answers)
    existing = stored_answers(user, fields)
    now = timezone.now()
    changes = {}
    for field, text in answers.items():
        row = existing.get(field.pk)
        old = row.value if row else ""
        if old == text:
            continue
        changes[change_key(field)] = [old, text]
        if not text:
            row.delete()
        elif row is None:
            ProfileValue.objects.create(user=user, field=field, value=text, answered_at=now)
        else:
            row.value, row.answered_at = text, now
            row.save(update_fields=["value", "answered_at"])
    return changes


@transaction.atomic
def answers_save(*, user, actor, answers):
    """The learner saves their own custom inputs (My profile). Returns the changes; none
    means nothing was written."""
    require(actor is not None and actor.pk == user.pk, "Only the learner answers for themselves.")
    user = details.locked(user)
    _only_kinds(answers, {Kind.CUSTOM_INPUT})
    changes = answers_write(user, answers)
    if changes:
        _bump(user)
        audit.record(actor=actor, subject=user, action="user.answers_saved", changes=changes)
    return changes


@transaction.atomic
def survey_complete(*, user, actor, answers, skipped=False):
    """The learner answers (or skips) the onboarding survey; it is not asked again."""
    require(actor is not None and actor.pk == user.pk, "Only the learner answers for themselves.")
    user = details.locked(user)
    if user.survey_done_at is not None:
        raise ValidationError("You have already answered the onboarding survey.")
    _only_kinds(answers, {Kind.SURVEY})
    if skipped and any(field.required for field in asked(Kind.SURVEY)):
        raise ValidationError("Some questions must be answered: the survey cannot be skipped.")
    changes = {} if skipped else answers_write(user, answers)
    user.survey_done_at = timezone.now()
    _bump(user, also=["survey_done_at"])
    audit.record(
        actor=actor,
        subject=user,
        action="user.survey_skipped" if skipped else "user.survey_answered",
        changes=changes,
    )
    return changes


def survey_pending(user):
    """Whether this learner should be shown the onboarding survey now."""
    return (
        user.is_authenticated
        and not can_manage_users(actor=user)
        and user.survey_done_at is None
        and ProfileField.objects.filter(kind=Kind.SURVEY, retired_at__isnull=True).exists()
    )


def _in_audit(name, value):
    """A definition's value as the audit log shows it: choices as the labels offered."""
    if name == "choices":
        return [choice["label"] for choice in value if not choice.get("retired")]
    return audit._plain(value)


def _only_kinds(answers, kinds):
    for field in answers:
        if field.kind not in kinds or field.is_retired:
            raise ValidationError(f"“{field.label}” is not asked here.")


def _bump(user, also=()):
    user.version += 1
    user.save(update_fields=["version", *also])
