from django.urls import path

from users.permissions import guard

from . import views
from .permissions import NEEDS

app_name = "activity"

urlpatterns = guard(
    [
        path("manage/users/<int:user_id>/activity/", views.tab, name="tab"),
        path(
            "manage/users/<int:user_id>/activity/attempts/<int:attempt_id>/forgive/",
            views.attempt_forgive,
            name="attempt_forgive",
        ),
        path(
            "manage/users/<int:user_id>/activity/attempts/<int:attempt_id>/unforgive/",
            views.attempt_unforgive,
            name="attempt_unforgive",
        ),
        path(
            "manage/users/<int:user_id>/activity/certificates/issue/",
            views.certificate_issue,
            name="certificate_issue",
        ),
        path(
            "manage/users/<int:user_id>/activity/certificates/<int:certificate_id>/revoke/",
            views.certificate_revoke,
            name="certificate_revoke",
        ),
        path(
            "manage/users/<int:user_id>/activity/awards/grant/",
            views.award_grant,
            name="award_grant",
        ),
        path("manage/settings/activity/", views.activity_settings, name="settings"),
        path("my/certificates/", views.my_certificates, name="my_certificates"),
        path(
            "certificates/<int:certificate_id>/pdf/",
            views.certificate_download,
            name="certificate_download",
        ),
        path("certificates/verify/<str:code>/", views.verify, name="verify"),
    ],
    NEEDS,
)
