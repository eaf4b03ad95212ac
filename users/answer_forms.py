"""A learner's answers to school-defined fields as form fields: the custom inputs asked with an
invitation and on My profile, and the onboarding survey. Each ProfileField becomes the form
field its type asks for (users/field_types.py), named "answer_<key>".
"""

from django import forms

from . import field_types

PREFIX = "answer_"


def field_name(field):
    return f"{PREFIX}{field.key}"


class AnswersMixin:
    """Adds one form field per ProfileField to a form; `answers()` gives them back as
    {ProfileField: canonical text} for field_services once the form is valid."""

    def ask(self, fields, stored=None):
        """Ask `fields` in order; `stored` ({field pk: ProfileValue}) fills in past answers."""
        self.asked = list(fields)
        stored = stored or {}
        for field in self.asked:
            value = stored[field.pk].value if field.pk in stored else ""
            form_field = field_types.form_field(field)
            _keep_retired_choices(form_field, field, value)
            self.fields[field_name(field)] = form_field
            self.initial[field_name(field)] = field_types.initial(field, value)

    def answer_fields(self):
        """The bound fields of the answers, for a template."""
        return [self[field_name(field)] for field in self.asked]

    def answers(self):
        return {
            field: field_types.to_stored(field, self.cleaned_data.get(field_name(field)))
            for field in self.asked
        }


def _keep_retired_choices(form_field, field, stored):
    """A past answer whose choice has since been retired stays offered to this learner, so
    saving the form without touching it keeps it."""
    if field.field_type not in field_types.CHOICE_TYPES or not stored:
        return
    offered = {key for key, _ in form_field.choices}
    labels = {choice["key"]: choice["label"] for choice in field.choices}
    kept = [(key, labels.get(key, key)) for key in stored.split(",") if key not in offered]
    if kept:
        form_field.choices = [*form_field.choices, *kept]


class AnswerForm(AnswersMixin, forms.Form):
    """The answers to `fields` and nothing else (My profile, the onboarding survey)."""

    def __init__(self, fields, data=None, *, stored=None):
        super().__init__(data)
        self.ask(fields, stored)
