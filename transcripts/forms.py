from django import forms

from users.fields import PreloadedModelChoiceField

from .models import TranscriptField

MAX_POSITION = 99


class CertificationSettingsForm(forms.Form):
    """Title, footer, credits field and, per column, whether it shows and where."""

    title = forms.CharField(label="Transcript title", max_length=120)
    footer = forms.CharField(
        label="Footer line",
        max_length=300,
        required=False,
        help_text="Printed under the transcript, e.g. an accreditation statement.",
    )
    credits_field = PreloadedModelChoiceField(
        label="Credits come from",
        queryset=TranscriptField.objects.none(),
        required=False,
        empty_label="No credits",
        help_text="A number field; the Credits column and the credits total use it.",
    )
    learner_fields = forms.MultipleChoiceField(
        label="Learner fields on the transcript",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Shown under the learner's name on the transcript, its CSV and its PDF.",
    )

    def __init__(self, *args, columns, number_fields, learner_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.column_list = columns
        self.fields["learner_fields"].choices = [
            (field.key, f"{field.label} ({field.get_kind_display().lower()})")
            for field in learner_fields
        ]
        self.fields["credits_field"].queryset = number_fields
        self.fields["credits_field"].preload()
        self.column_rows = []
        for column in columns:
            show_name, position_name = self.names(column)
            self.fields[show_name] = forms.BooleanField(
                label=f"Show {column.label}", required=False
            )
            self.fields[position_name] = forms.IntegerField(
                label=f"Position of {column.label}", min_value=1, max_value=MAX_POSITION
            )
            self.column_rows.append((column, self[show_name], self[position_name]))

    @staticmethod
    def names(column):
        slug = column.key.replace(":", "_")
        return f"show_{slug}", f"position_{slug}"

    @classmethod
    def initial_for(cls, settings, columns):
        chosen = list(settings.columns)
        initial = {
            "title": settings.title,
            "footer": settings.footer,
            "credits_field": settings.credits_field_id,
            "learner_fields": list(settings.learner_fields),
        }
        keys = [c.key for c in columns]
        shown = [key for key in chosen if key in keys]
        order = shown + [key for key in keys if key not in shown]
        for column in columns:
            show_name, position_name = cls.names(column)
            initial[show_name] = column.key in shown
            initial[position_name] = order.index(column.key) + 1
        return initial

    def clean(self):
        cleaned = super().clean()
        shown = [c for c in self.column_list if cleaned.get(self.names(c)[0])]
        if not self.errors and not shown:
            raise forms.ValidationError("Show at least one column.")
        return cleaned

    def chosen_columns(self):
        """Keys of the shown columns, by position (ties keep the page's order)."""
        shown = []
        for index, column in enumerate(self.column_list):
            show_name, position_name = self.names(column)
            if self.cleaned_data.get(show_name):
                shown.append((self.cleaned_data[position_name], index, column.key))
        return [key for _, _, key in sorted(shown)]


class TranscriptFieldForm(forms.Form):
    name = forms.CharField(label="Field name", max_length=60, help_text="For example CEU credits.")
    kind = forms.ChoiceField(label="Field kind", choices=TranscriptField.Kind.choices)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter a name.")
        return name


class FieldValuesForm(forms.Form):
    """One input per content item on the page: this transcript field's value for it."""

    def __init__(self, *args, field, contents, values, **kwargs):
        super().__init__(*args, **kwargs)
        self.transcript_field = field
        self.contents = {}
        for content in contents:
            name = f"value_{content.pk}"
            self.contents[name] = content
            self.fields[name] = forms.CharField(
                label=content.title,
                max_length=100,
                required=False,
                initial=values.get(content.pk, ""),
                widget=forms.TextInput(attrs={"inputmode": "decimal"} if field.is_number else {}),
            )

    def values(self):
        return {content: self.cleaned_data.get(name, "") for name, content in self.contents.items()}

    def add_service_errors(self, error):
        by_content = {content.pk: name for name, content in self.contents.items()}
        for content_id, messages in error.message_dict.items():
            self.add_error(by_content.get(content_id), messages)
