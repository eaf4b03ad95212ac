from django.contrib.auth import views as auth_views
from django.urls import reverse, reverse_lazy

from .forms import ForgotPasswordForm, NewPasswordForm, SignInForm


class SignInView(auth_views.LoginView):
    template_name = "users/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Managers land on /manage/, learners on their home page."""
        if self.request.user.has_perm("users.manage_users"):
            return reverse("manage_home")
        return super().get_default_redirect_url()


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET)."""


class ForgotPasswordView(auth_views.PasswordResetView):
    template_name = "users/forgot_password.html"
    form_class = ForgotPasswordForm
    email_template_name = "users/email/password_reset.txt"
    subject_template_name = "users/email/password_reset_subject.txt"
    success_url = reverse_lazy("users:forgot_password_sent")


class ForgotPasswordSentView(auth_views.PasswordResetDoneView):
    template_name = "users/forgot_password_sent.html"


class ResetPasswordView(auth_views.PasswordResetConfirmView):
    template_name = "users/reset_password.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("users:reset_password_done")


class ResetPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "users/reset_password_done.html"
