"""The seven types of a school-defined learner field: the form field that asks it, the text it
is stored as, the words it is shown in, and the same check for a CSV cell.

Stored forms (one per type, so equal answers are equal text and a filter is an index probe):
short and long text as typed (trimmed); a number in plain decimal ("12", "4.5"); a date in ISO
("2026-03-01"); yes/no as "yes" or "no"; one choice as its key; several choices as their keys
in the field's order, joined by commas. An empty answer is no row at all.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats

from .models import ProfileField

Type = ProfileField.Type
SHORT_MAX, LONG_MAX = 255, 4000
# A filter compares this many leading characters through the index (users_profile_value_lookup).
INDEXED_PREFIX = 100
FILTERABLE = {Type.SHORT_TEXT, Type.NUMBER, Type.DATE, Type.YES_NO, Type.CHOICE, Type.CHOICES}
CHOICE_TYPES = {Type.CHOICE, Type.CHOICES}
YES_NO = [("yes", "Yes"), ("no", "No")]


def offered_choices(field):
    """[(key, label)] a learner or staff member may pick now: retired choices left out."""
    return [(c["key"], c["label"]) for c in field.choices if not c.get("retired")]


def _labels(field):
    return {c["key"]: c["label"] for c in field.choices}


def form_field(field, *, required=None):
    """A Django form field asking `field`, labelled and validated by its type. `required`
    overrides the field's own (staff may leave a required answer empty)."""
    options = {
        "label": field.label,
        "help_text": field.help_text,
        "required": field.required if required is None else required,
    }
    kind = field.field_type
    if kind == Type.LONG_TEXT:
        return forms.CharField(
            max_length=LONG_MAX, widget=forms.Textarea(attrs={"rows": 3}), **options
        )
    if kind == Type.NUMBER:
        return forms.DecimalField(max_digits=18, decimal_places=6, **options)
    if kind == Type.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **options)
    if kind == Type.YES_NO:
        return forms.ChoiceField(choices=[("", "—"), *YES_NO], **options)
    if kind == Type.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *offered_choices(field)], **options)
    if kind == Type.CHOICES:
        return forms.MultipleChoiceField(
            choices=offered_choices(field), widget=forms.CheckboxSelectMultiple, **options
        )
    return forms.CharField(max_length=SHORT_MAX, **options)


def initial(field, stored):
    """A stored value as the form field's initial value (kept even if its choice retired)."""
    if not stored:
        return None
    if field.field_type == Type.CHOICES:
        return stored.split(",")
    return stored


def to_stored(field, cleaned):
    """The canonical text of a cleaned form value ('' for no answer)."""
    if cleaned in (None, "", []):
        return ""
    kind = field.field_type
    if kind == Type.NUMBER:
        return _plain_number(cleaned)
    if kind == Type.DATE:
        return cleaned.isoformat()
    if kind == Type.CHOICES:
        order = [c["key"] for c in field.choices]
        return ",".join(sorted(set(cleaned), key=order.index))
    return str(cleaned).strip()


def _plain_number(number):
    text = format(Decimal(number).normalize(), "f")
    return "0" if text in ("-0", "") else text


def parse(field, text):
    """The canonical text of a CSV cell or API value for `field`, or ValidationError with a
    message naming what is wrong. Choices may be given by key or by label."""
    text = (text or "").strip()
    if not text:
        return ""
    kind = field.field_type
    if kind in (Type.SHORT_TEXT, Type.LONG_TEXT):
        limit = SHORT_MAX if kind == Type.SHORT_TEXT else LONG_MAX
        if len(text) > limit:
            raise ValidationError(f"{field.label}: at most {limit} characters.")
        return text
    if kind == Type.NUMBER:
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValidationError(f"{field.label}: “{text}” is not a number.") from None
        if not number.is_finite() or abs(number) >= Decimal(10) ** 12:
            raise ValidationError(f"{field.label}: “{text}” is not a number we can keep.")
        return _plain_number(number)
    if kind == Type.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(f"{field.label}: “{text}” is not a date (YYYY-MM-DD).") from None
    if kind == Type.YES_NO:
        answer = {"yes": "yes", "y": "yes", "true": "yes", "1": "yes"}.get(text.lower())
        answer = answer or {"no": "no", "n": "no", "false": "no", "0": "no"}.get(text.lower())
        if answer is None:
            raise ValidationError(f"{field.label}: answer yes or no, not “{text}”.")
        return answer
    wanted = [part.strip() for part in text.split(",")] if kind == Type.CHOICES else [text]
    keys = [_choice_key(field, part) for part in wanted if part]
    return to_stored(field, keys if kind == Type.CHOICES else keys[0])


def _choice_key(field, given):
    for key, label in offered_choices(field):
        if given == key or given.casefold() == label.casefold():
            return key
    offered = ", ".join(label for _, label in offered_choices(field))
    raise ValidationError(f"{field.label}: “{given}” is not one of the choices ({offered}).")


def shown(field, stored):
    """A stored value in words for a page, a transcript or an export ('' for none)."""
    if not stored:
        return ""
    kind = field.field_type
    if kind in CHOICE_TYPES:
        labels = _labels(field)
        return ", ".join(labels.get(key, key) for key in stored.split(","))
    if kind == Type.YES_NO:
        return dict(YES_NO).get(stored, stored)
    if kind == Type.DATE:
        try:
            return formats.date_format(date.fromisoformat(stored), "j M Y")
        except ValueError:
            return stored
    return stored


def filter_value(field, text):
    """The stored text a list filter compares with (ValidationError if it cannot match);
    several choices match a learner who picked the one given among others."""
    if field.field_type not in FILTERABLE:
        raise ValidationError(f"{field.label} cannot be filtered on.")
    if field.field_type == Type.CHOICES:
        return _choice_key(field, text.strip())
    return parse(field, text)
