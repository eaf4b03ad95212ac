from django.urls import path

from . import manage_views, views

app_name = "users"

urlpatterns = [
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
    path("manage/users/learners/", manage_views.learner_list, name="learners"),
    path("manage/users/<int:user_id>/", manage_views.record, name="record"),
]
