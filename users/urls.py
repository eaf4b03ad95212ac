from django.urls import path

from . import field_views, list_views, manage_views, profile_views, views
from .permissions import NEEDS, guard

app_name = "users"

urlpatterns = guard(
    [
        path("sign_in", views.SignInView.as_view(), name="sign_in"),
        path("sign_out", views.SignOutView.as_view(), name="sign_out"),
        path("forgot_password/", views.ForgotPasswordView.as_view(), name="forgot_password"),
        path(
            "forgot_password/sent/",
            views.ForgotPasswordSentView.as_view(),
            name="forgot_password_sent",
        ),
        path("reset/<uidb64>/<token>/", views.ResetPasswordView.as_view(), name="reset_password"),
        path("reset/done/", views.ResetPasswordDoneView.as_view(), name="reset_password_done"),
        path("manage/users/learners/", list_views.learner_list, name="learners"),
        path("manage/users/staff/", list_views.staff_list, name="staff"),
        path("manage/users/<int:user_id>/", manage_views.record, name="record"),
        path("manage/users/<int:user_id>/details/", manage_views.details, name="details"),
        path("manage/users/<int:user_id>/disable/", manage_views.disable, name="disable"),
        path("manage/users/<int:user_id>/enable/", manage_views.enable, name="enable"),
        path(
            "manage/users/<int:user_id>/resend-invite/",
            manage_views.resend_invite,
            name="resend_invite",
        ),
        path(
            "manage/users/<int:user_id>/learner-record/",
            manage_views.dual_role_create,
            name="dual_role_create",
        ),
        path(
            "manage/users/<int:user_id>/emails/<int:email_id>/retry/",
            manage_views.email_retry,
            name="email_retry",
        ),
        path("manage/settings/users/", manage_views.user_settings, name="settings"),
        path("manage/settings/learner-fields/", field_views.field_list, name="learner_fields"),
        path(
            "manage/settings/learner-fields/add/", field_views.field_add, name="learner_field_add"
        ),
        path(
            "manage/settings/learner-fields/<int:learner_field_id>/",
            field_views.field_edit,
            name="learner_field_edit",
        ),
        path(
            "manage/settings/learner-fields/<int:learner_field_id>/move-up/",
            field_views.field_move,
            {"offset": -1},
            name="learner_field_move_up",
        ),
        path(
            "manage/settings/learner-fields/<int:learner_field_id>/move-down/",
            field_views.field_move,
            {"offset": 1},
            name="learner_field_move_down",
        ),
        path(
            "manage/settings/learner-fields/<int:learner_field_id>/retire/",
            field_views.field_retire,
            {"retired": True},
            name="learner_field_retire",
        ),
        path(
            "manage/settings/learner-fields/<int:learner_field_id>/restore/",
            field_views.field_retire,
            {"retired": False},
            name="learner_field_restore",
        ),
        path(
            "manage/settings/learner-fields/<int:learner_field_id>/delete/",
            field_views.field_delete,
            name="learner_field_delete",
        ),
        path(
            "manage/users/<int:user_id>/impersonate/", manage_views.impersonate, name="impersonate"
        ),
        path("manage/impersonations/", manage_views.impersonation_log, name="impersonation_log"),
        path("impersonation/stop/", views.impersonation_stop, name="impersonation_stop"),
        path("invite/<str:token>/", views.accept_invite, name="accept_invite"),
        path("my/survey/", profile_views.survey, name="survey"),
        path("my/profile/", profile_views.my_profile, name="my_profile"),
    ],
    NEEDS,
)
