from datetime import date

from django import forms
from django.utils import timezone

from access.models import Content

from .models import ContentAction, Progress
from .reports import Filters

EARLIEST = date(2000, 1, 1)
LATEST = date(9000, 12, 31)
IMPERSONATED_CHOICES = [
    ("exclude", "Leave out"),
    ("include", "Include"),
    ("only", "Only these"),
]


class PlainSelect(forms.Select):
    """A <select> whose template loops over flat choices (no groups) itself: the catalog can
    hold a thousand options, and Django's Select renders a template and a dict per option."""

    template_name = "engagement/widgets/plain_select.html"

    def get_context(self, name, value, attrs):
        context = forms.Widget.get_context(self, name, value, attrs)
        selected = {str(v) for v in context["widget"]["value"]}
        context["widget"]["plain_options"] = [
            (option_value, label, str(option_value) in selected)
            for option_value, label in self.choices
        ]
        return context


def _check_range(day, field_label):
    if day is not None and not EARLIEST <= day <= LATEST:
        raise forms.ValidationError(
            f"Choose a {field_label} between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}."
        )
    return day


class ReportFilterForm(forms.Form):
    """The filters both reports share; `?email=` pre-fills the e-mail."""

    email = forms.EmailField(label="Learner e-mail", required=False, max_length=254)
    content = forms.TypedChoiceField(
        label="Content", required=False, coerce=int, empty_value=None, widget=PlainSelect
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, contents=()):
        super().__init__(data)
        self.fields["content"].choices = [("", "All content")] + [
            (pk, title) for pk, title in contents
        ]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_date_from(self):
        return _check_range(self.cleaned_data["date_from"], "start date")

    def clean_date_to(self):
        return _check_range(self.cleaned_data["date_to"], "end date")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self):
        data = self.cleaned_data
        return Filters(
            email=data["email"],
            content_id=data["content"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


class ActionLogFilterForm(ReportFilterForm):
    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "All actions"), *ContentAction.Action.choices],
        widget=PlainSelect,
    )
    impersonated = forms.ChoiceField(
        label="Done while impersonating", required=False, choices=IMPERSONATED_CHOICES
    )

    field_order = ["email", "content", "action", "date_from", "date_to", "impersonated"]

    def filters(self):
        filters = super().filters()
        filters.action = self.cleaned_data["action"]
        filters.impersonated = self.cleaned_data["impersonated"] or "exclude"
        return filters


class ProgressFilterForm(ReportFilterForm):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Progress.Status.choices]
    )

    field_order = ["email", "content", "status", "date_from", "date_to"]

    def filters(self):
        filters = super().filters()
        filters.status = self.cleaned_data["status"]
        return filters


def report_contents():
    """(id, title) of every content item, for the reports' Content filter (one query)."""
    return list(Content.objects.order_by("title", "id").values_list("pk", "title"))


class ContentChoiceForm(forms.Form):
    """A form acting on one of the learner's content items.

    `contents`: [(id, title)] the view offers (selectors.correction_choices).
    """

    content = forms.TypedChoiceField(label="Content", coerce=int, widget=PlainSelect)
    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    # A valid id that is not offered: the item is already in the state this form sets.
    not_offered = "Select a valid choice."

    def __init__(self, data=None, *, contents=(), prefix=None):
        super().__init__(data, prefix=prefix)
        self.fields["content"].choices = [("", "Choose content"), *contents]
        self.fields["content"].error_messages["invalid_choice"] = self.not_offered

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why.")
        return reason

    def clean_content(self):
        # Only an offered id gets here (the field checks its choices).
        return Content.objects.get(pk=self.cleaned_data["content"])


class ProgressResetForm(ContentChoiceForm):
    not_offered = "Nothing to reset: this item is not started (or not the learner's)."


class ManualCompletionForm(ContentChoiceForm):
    completed_on = forms.DateField(
        label="Completed on", widget=forms.DateInput(attrs={"type": "date"})
    )

    field_order = ["content", "completed_on", "reason"]
    not_offered = "Nothing to mark: this item is already completed (or not the learner's)."

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["completed_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_completed_on(self):
        day = self.cleaned_data["completed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The completion date cannot be in the future.")
        if day < EARLIEST:
            raise forms.ValidationError(f"Choose a date after {EARLIEST:%Y-%m-%d}.")
        return day
