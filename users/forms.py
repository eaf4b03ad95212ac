import uuid

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.forms.models import fields_for_model
from django.template import loader

from . import details, field_types, services
from .answer_forms import AnswersMixin
from .models import User, UserSettings
from .roles import Role, role_of
from .rules import can_assign_role


class SignInForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        # The same words for a wrong password, an unknown e-mail and a disabled account.
        "invalid_login": "That e-mail and password were not accepted. Check both and try again.",
        "inactive": "That e-mail and password were not accepted. Check both and try again.",
    }


class ForgotPasswordForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label="E-mail", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def get_users(self, email):
        """Active users with this e-mail, including invited ones who never set a password."""
        return User.objects.filter(email__iexact=email.strip(), is_active=True)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        services.send_email_on_commit(
            key=f"password-reset:{uuid.uuid4().hex}",
            subject=subject,
            body=body,
            to=to_email,
            user=context.get("user"),
        )


class NewPasswordForm(auth_forms.SetPasswordForm):
    def save(self, commit=True):
        return services.password_reset_complete(
            user=self.user, password=self.cleaned_data["new_password1"]
        )


class DetailsForm(forms.Form):
    """The Details tab: basic info, address, New Password, role and reference fields."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)
    new_password = forms.CharField(
        label="New Password",
        required=False,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to keep the current password. The learner's sessions end.",
    )
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args, subject, actor, reference_values=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.subject = subject
        profile_fields = fields_for_model(User, fields=details.PROFILE_FIELDS)
        profile_fields["phone"].help_text = "International format, e.g. +44 20 7946 0958."
        for name, field in reversed(list(profile_fields.items())):
            self.fields = {name: field, **self.fields}
        current = role_of(subject)
        allowed = [
            role
            for role in Role
            if role == current or can_assign_role(actor=actor, target=subject, role=role)
        ]
        self.fields["role"].choices = [(role.value, role.label) for role in allowed]
        if len(allowed) == 1:
            self.fields["role"].disabled = True
            self.fields["role"].help_text = "You may not change this user's role."
        # The active reference fields [(ProfileField, stored text)], each asked by its type.
        self.reference_fields = []
        for profile_field, stored in reference_values:
            name = f"ref_{profile_field.key}"
            asked = field_types.form_field(profile_field, required=profile_field.required)
            asked.initial = field_types.initial(profile_field, stored)
            _keep_retired_choices(asked, profile_field, stored)
            self.fields[name] = asked
            self.reference_fields.append((name, profile_field))

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        taken = (
            User.objects.filter(email__iexact=email, learner_record_of__isnull=True)
            .exclude(pk=self.subject.pk)
            .exists()
        )
        if taken and self.subject.learner_record_of_id is None:
            raise forms.ValidationError("Another user already has this e-mail address.")
        return email

    def clean_new_password(self):
        password = self.cleaned_data.get("new_password", "")
        if password:
            password_validation.validate_password(password, user=self.subject)
        return password

    def profile(self):
        return {name: self.cleaned_data[name] for name in details.PROFILE_FIELDS}

    def references(self):
        """{key: canonical text} of the reference fields ('' for none)."""
        return {
            field.key: field_types.to_stored(field, self.cleaned_data[name])
            for name, field in self.reference_fields
        }


def _keep_retired_choices(asked, field, stored):
    """A learner's retired choice stays offered to them (marked so): saving the form for
    another change must not drop it."""
    if field.field_type not in field_types.CHOICE_TYPES or not stored:
        return
    offered = {key for key, _ in field_types.offered_choices(field)}
    kept = [
        (choice["key"], f"{choice['label']} (retired)")
        for choice in field.choices
        if choice["key"] in stored.split(",") and choice["key"] not in offered
    ]
    if kept:
        asked.choices = [*asked.choices, *kept]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=500)


class InviteForm(forms.Form):
    request_key = forms.CharField(widget=forms.HiddenInput, min_length=16, max_length=64)


class UserSettingsForm(forms.ModelForm):
    class Meta:
        model = UserSettings
        fields = ["dual_role", "notify_impersonation", "impersonation_minutes"]

    def clean_impersonation_minutes(self):
        minutes = self.cleaned_data["impersonation_minutes"]
        if not 1 <= minutes <= 480:
            raise forms.ValidationError("Choose between 1 and 480 minutes.")
        return minutes


class AcceptInviteForm(AnswersMixin, auth_forms.SetPasswordForm):
    """Set a password from an invitation and answer the custom sign-up inputs `fields` (the
    service saves both)."""

    def __init__(self, user, data=None, *, fields=()):
        super().__init__(user, data)
        self.ask(fields)

    def password_fields(self):
        return [self["new_password1"], self["new_password2"]]

    def save(self, commit=True):
        raise NotImplementedError("Use services.invite_accept")


class ImpersonateForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=200,
        help_text="Required, e.g. the ticket number. The learner and the log will see it.",
    )

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError("Give a reason, such as a ticket number.")
        return reason
