"""The form that adds or edits a school-defined learner field (Settings > Learner fields).

One form for both: adding asks the kind and the key too (the key is the CSV column and API
name, so it never changes once the field exists). Choices are typed one per line; the service
keeps the keys of labels kept and retires the lines removed (field_services.choices_from_labels).
"""

import re

from django import forms
from django.utils.text import slugify

from . import details, field_types
from .models import ProfileField

Kind, Type = ProfileField.Kind, ProfileField.Type
KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
KEY_MAX = ProfileField._meta.get_field("key").max_length
CHOICE_MAX = 120
# Columns the learner CSV already has: a field key must not shadow one of them.
BUILT_IN_COLUMNS = {*details.PROFILE_FIELDS, "role", "id", "password"}


class LearnerFieldForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=Kind.choices)
    label = forms.CharField(label="Label", max_length=120)
    key = forms.CharField(
        label="Key",
        max_length=KEY_MAX,
        required=False,
        help_text="The CSV column and API name, such as cost-centre; it cannot change later. "
        "Leave it empty to make it from the label.",
    )
    field_type = forms.ChoiceField(label="Type", choices=Type.choices)
    required = forms.BooleanField(label="Required", required=False)
    help_text = forms.CharField(
        label="Help text",
        max_length=300,
        required=False,
        help_text="Shown under the field where it is asked or edited.",
    )
    learner_visible = forms.BooleanField(
        label="Learners may see it",
        required=False,
        help_text="Reference fields only: the learner sees it on My profile (read-only).",
    )
    choices = forms.CharField(
        label="Choices",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One choice per line, for the types One choice and Several choices. A line "
        "you remove is retired: no longer offered, while past answers still show it.",
    )

    def __init__(self, *args, field=None, **kwargs):
        self.field = field
        if field is not None:
            kwargs.setdefault("initial", initial_for(field))
        super().__init__(*args, **kwargs)
        if field is not None:
            del self.fields["kind"], self.fields["key"]
            if field.kind != Kind.REFERENCE:
                del self.fields["learner_visible"]

    def clean_key(self):
        key = self.cleaned_data["key"].strip()
        if not key:
            if "label" not in self.cleaned_data:
                return ""  # the label's own error says what to fix
            key = slugify(self.cleaned_data.get("label", ""))[:KEY_MAX].strip("-_")
            if not key:
                raise forms.ValidationError("Give a key: lowercase letters, numbers and hyphens.")
        if not KEY_PATTERN.match(key):
            raise forms.ValidationError(
                "Use lowercase letters, numbers, hyphens or underscores, such as cost-centre."
            )
        if key.replace("-", "_") in BUILT_IN_COLUMNS:
            raise forms.ValidationError(
                f"“{key}” is already a column of the learner CSV: choose another key."
            )
        if ProfileField.objects.filter(key=key).exists():
            raise forms.ValidationError("Another learner field already has this key.")
        return key

    def clean_choices(self):
        labels = []
        for line in self.cleaned_data["choices"].splitlines():
            label = line.strip()
            if len(label) > CHOICE_MAX:
                raise forms.ValidationError(f"A choice has at most {CHOICE_MAX} characters.")
            if label and label.casefold() not in {seen.casefold() for seen in labels}:
                labels.append(label)
        return labels

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("field_type") in field_types.CHOICE_TYPES and not cleaned.get("choices"):
            self.add_error("choices", "Give at least one choice, one per line.")
        return cleaned

    def values(self):
        """The definition as field_services takes it (choices as labels, for a choice type)."""
        names = ["label", "field_type", "required", "help_text", "learner_visible"]
        values = {name: self.cleaned_data[name] for name in names if name in self.fields}
        values["help_text"] = values["help_text"].strip()
        if values["field_type"] in field_types.CHOICE_TYPES:
            values["choices"] = self.cleaned_data["choices"]
        return values

    def changed_names(self, changes):
        """The labels of the changed definition parts, in the form's order."""
        return [str(bound.label) for name, bound in self.fields.items() if name in changes]


def initial_for(field):
    return {
        "label": field.label,
        "field_type": field.field_type,
        "required": field.required,
        "help_text": field.help_text,
        "learner_visible": field.learner_visible,
        "choices": "\n".join(label for _, label in field_types.offered_choices(field)),
    }
