"""Form fields shared by every app."""

from django import forms
from django.forms.models import ModelChoiceIterator


class _CachedChoiceIterator(ModelChoiceIterator):
    """Iterate the field's queryset through its result cache (no query per render)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class PreloadedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose choices are loaded by the view, not while the template renders.

    Call `preload()` (PreloadedChoicesMixin does) once the queryset is final.
    """

    iterator = _CachedChoiceIterator

    def preload(self):
        list(self.queryset)


class PreloadedChoicesMixin:
    """Load every PreloadedModelChoiceField's choices when the form is built."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.preload_choices()

    def preload_choices(self):
        for field in self.fields.values():
            if isinstance(field, PreloadedModelChoiceField):
                field.preload()
