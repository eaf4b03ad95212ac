import re

from django import forms
from django.utils import timezone

from .models import AccessSettings, Content, LearningPath, Sublicense, SubscriptionPlan
from .services import end_of_day

PICKED = re.compile(r"\[(content|path|plan):([-\w]+)\]\s*$")
PICK_MODELS = {
    "content": (Content, "title"),
    "path": (LearningPath, "title"),
    "plan": (SubscriptionPlan, "name"),
}
LATEST_YEAR = 2200
KIND_SUFFIX = re.compile(r"^(.*\S)\s*\(([^()]+)\)$")


def picker_kinds():
    """The picker's "(Kind)" suffixes (access.selectors.catalog_choices): model, title, filter."""
    kinds = {
        str(label): (Content, "title", {"kind": value, "is_published": True})
        for value, label in Content.Kind.choices
    }
    kinds["Learning path"] = (LearningPath, "title", {})
    kinds["Subscription"] = (SubscriptionPlan, "name", {"is_active": True})
    return kinds


class ExpiryDateInput(forms.DateInput):
    """A native date picker that offers no day before today."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["min"] = timezone.localdate().isoformat()
        return context


class ExpiryDateField(forms.DateField):
    """A date picker; empty means no expiry; past dates are refused (use Revoke instead)."""

    widget = ExpiryDateInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        day = super().clean(value)
        if day is None:
            return None
        if day < timezone.localdate():
            raise forms.ValidationError("This date is in the past. To end access now, use Revoke.")
        if day.year > LATEST_YEAR:
            raise forms.ValidationError(f"Choose a date before {LATEST_YEAR + 1}.")
        return end_of_day(day)


class AddAccessForm(forms.Form):
    item = forms.CharField(
        label="Content, learning path or subscription",
        max_length=300,
        help_text="Start typing a title and pick it from the list.",
        widget=forms.TextInput(attrs={"list": "access-catalog", "autocomplete": "off"}),
    )
    expires_at = ExpiryDateField(label="Access expires on", help_text="Leave empty for no expiry.")
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)

    def clean_item(self):
        text = " ".join(self.cleaned_data["item"].split())
        match = PICKED.search(text)
        kind = KIND_SUFFIX.search(text)
        if match:
            model, _ = PICK_MODELS[match.group(1)]
            found = list(model.objects.filter(slug=match.group(2))[:1])
        elif kind and kind.group(2) in picker_kinds():
            model, title, extra = picker_kinds()[kind.group(2)]
            found = list(model.objects.filter(**{f"{title}__iexact": kind.group(1)}, **extra)[:2])
        else:
            found = []
            for model, title in PICK_MODELS.values():
                found += list(model.objects.filter(**{f"{title}__iexact": text})[:2])
        if len(found) != 1:
            raise forms.ValidationError(
                "No single item matches. Start typing its title and choose it from the list."
            )
        return found[0]


class ExpiryForm(forms.Form):
    expires_at = ExpiryDateField(
        label="Access expires on", help_text="Clear the date for no expiry."
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", max_length=500, required=False)


class ReinstateForm(forms.Form):
    expires_at = ExpiryDateField(label="New expiry date")


class SeatForm(forms.Form):
    sublicense = forms.ModelChoiceField(
        label="Panorama and sublicense",
        queryset=Sublicense.objects.select_related("panorama"),
        empty_label="Choose a sublicense",
        error_messages={"invalid_choice": "Choose a sublicense from the list."},
    )

    def __init__(self, *args, sublicenses=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["sublicense"]
        if sublicenses is not None:
            field.choices = [("", field.empty_label)] + [
                (s.pk, sublicense_label(s)) for s in sublicenses
            ]


def sublicense_label(sublicense):
    limit = sublicense.seat_limit
    seats = (
        f"{sublicense.seats_used} of {limit} seats"
        if limit is not None
        else f"{sublicense.seats_used} seats, no limit"
    )
    return f"{sublicense.panorama.name}: {sublicense.name} ({seats})"


class AccessSettingsForm(forms.ModelForm):
    class Meta:
        model = AccessSettings
        fields = ["learner_archiving"]
