from django import forms

from access.selectors import accessible_contents
from users.fields import PreloadedChoicesMixin, PreloadedModelChoiceField

from .models import MAX_AWARD_QUANTITY, ActivitySettings, AwardType


class ForgiveForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown in the learner's History.",
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown in the learner's History and to anyone checking the certificate.",
        error_messages={"required": "Say why the certificate is revoked."},
    )


class IssueCertificateForm(forms.Form):
    content = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=500)


class AwardGrantForm(PreloadedChoicesMixin, forms.Form):
    award_type = PreloadedModelChoiceField(
        label="Award Type",
        queryset=AwardType.objects.all(),
        empty_label="Choose an award type",
        error_messages={"invalid_choice": "Choose one of the award types."},
    )
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=1,
        max_value=MAX_AWARD_QUANTITY,
        initial=1,
        help_text=f"A whole number from 1 to {MAX_AWARD_QUANTITY}.",
        error_messages={
            "invalid": "Enter a whole number.",
            "min_value": f"Enter a whole number from 1 to {MAX_AWARD_QUANTITY}.",
            "max_value": f"Enter a whole number from 1 to {MAX_AWARD_QUANTITY}.",
        },
    )
    content = PreloadedModelChoiceField(
        label="Content",
        queryset=None,
        empty_label="Choose the content",
        help_text="Content this learner has access to.",
        error_messages={"invalid_choice": "Choose content this learner has access to."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, learner, **kwargs):
        self.learner = learner
        super().__init__(*args, **kwargs)

    def preload_choices(self):
        self.fields["content"].queryset = accessible_contents(self.learner).order_by("title", "id")
        super().preload_choices()


class ActivitySettingsForm(forms.ModelForm):
    class Meta:
        model = ActivitySettings
        fields = ["gamification"]
