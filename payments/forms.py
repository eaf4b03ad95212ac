from decimal import Decimal

from django import forms
from django.utils import timezone

from .gateways.sandbox import luhn_valid
from .money import exponent, to_minor


class NeverEchoedInput(forms.TextInput):
    """A text input that never renders its submitted value back into the page."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


def _this_year():
    return timezone.localdate().year


class CardForm(forms.Form):
    number = forms.CharField(
        label="Card number",
        max_length=40,
        widget=NeverEchoedInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    exp_month = forms.IntegerField(
        label="Expiry month",
        min_value=1,
        max_value=12,
        widget=forms.NumberInput(attrs={"placeholder": "MM"}),
    )
    exp_year = forms.IntegerField(
        label="Expiry year",
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"placeholder": "YYYY"}),
    )
    cvc = forms.CharField(
        label="CVC",
        max_length=4,
        widget=NeverEchoedInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    name = forms.CharField(label="Name on card", max_length=100)

    def clean_number(self):
        digits = "".join(self.cleaned_data["number"].split()).replace("-", "")
        if not digits.isdigit():
            raise forms.ValidationError("Enter the card number's digits only.")
        if not 12 <= len(digits) <= 19 or not luhn_valid(digits):
            raise forms.ValidationError("This card number is not valid. Check the digits.")
        return digits

    def clean_cvc(self):
        cvc = self.cleaned_data["cvc"].strip()
        if not (cvc.isdigit() and len(cvc) in (3, 4)):
            raise forms.ValidationError("The security code (CVC) is 3 or 4 digits.")
        return cvc

    def clean(self):
        cleaned = super().clean()
        month, year = cleaned.get("exp_month"), cleaned.get("exp_year")
        if month and year:
            today = timezone.localdate()
            if (year, month) < (today.year, today.month):
                self.add_error("exp_year", "This card has expired: the expiry is in the past.")
        return cleaned


class CancelSubscriptionForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", max_length=500, required=False)


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount to refund",
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, charge, **kwargs):
        """`charge` None: the Payments tab's one refund dialog, which serves every charge."""
        self.charge = charge
        super().__init__(*args, **kwargs)
        if charge is None:
            self.fields["amount"].help_text = "In the charge's currency; at most what is left."
            return
        places = exponent(charge.currency)
        self.fields["amount"].help_text = (
            f"In {charge.currency}, up to {places} decimals."
            if places
            else f"In {charge.currency}, whole units."
        )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        try:
            minor = to_minor(amount, self.charge.currency)
        except ValueError:
            raise forms.ValidationError("Too many decimals for this currency.") from None
        if minor <= 0:
            raise forms.ValidationError("Enter an amount greater than zero.")
        self.cleaned_data["amount_minor"] = minor
        return amount
