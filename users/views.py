from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST
from hijack.views import ReleaseUserView

from . import field_services, impersonation, profile_views, services
from .forms import AcceptInviteForm, ForgotPasswordForm, NewPasswordForm, SignInForm
from .models import ProfileField
from .rules import MANAGE_USERS


class SignInView(auth_views.LoginView):
    template_name = "users/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Managers land on /manage/, learners on their home page."""
        if self.request.user.has_perm(MANAGE_USERS):
            return reverse("manage_home")
        return super().get_default_redirect_url()

    def get_success_url(self):
        """A learner who has not answered the onboarding survey is shown it first."""
        if field_services.survey_pending(self.request.user):
            return profile_views.survey_url(self.get_redirect_url())
        return super().get_success_url()


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET). Signing out while impersonating ends both."""

    def post(self, request, *args, **kwargs):
        if impersonation.is_impersonating(request):
            impersonation.end_before_sign_out(request, "sign_out")
        return super().post(request, *args, **kwargs)


@require_POST
def impersonation_stop(request):
    """Stop impersonating: back to the admin's own session, on that learner's record."""
    if not impersonation.is_impersonating(request):
        return redirect("home")
    learner_id = request.user.pk
    request.impersonation_state = request.session.get(impersonation.SESSION_KEY)
    request.POST = QueryDict(mutable=True)
    request.POST["next"] = reverse("users:details", kwargs={"user_id": learner_id})
    return ReleaseUserView.as_view()(request)


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


def accept_invite(request, token):
    """`/invite/<token>/`: the invited person sets a password and is signed in."""
    invitation = services.invitation_for_token(token[:100])
    if invitation is None:
        return render(request, "users/invite_invalid.html", status=404)
    inputs = field_services.asked(ProfileField.Kind.CUSTOM_INPUT)
    form = AcceptInviteForm(invitation.user, request.POST or None, fields=inputs)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invite_accept(
                invitation=invitation,
                password=form.cleaned_data["new_password1"],
                answers=form.answers(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome! Your password is set.")
            return redirect("users:survey" if field_services.survey_pending(user) else "home")
    context = {"form": form, "invited": invitation.user}
    return render(request, "users/accept_invite.html", context, status=400 if form.errors else 200)
