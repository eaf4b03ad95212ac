from django import forms
from django.contrib.auth import forms as auth_forms
from django.template import loader

from . import services
from .models import User


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
        services.send_email_on_commit(subject=subject, body=body, to=[to_email])


class NewPasswordForm(auth_forms.SetPasswordForm):
    def save(self, commit=True):
        return services.password_reset_complete(
            user=self.user, password=self.cleaned_data["new_password1"]
        )
