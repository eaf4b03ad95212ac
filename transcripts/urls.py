from django.urls import path

from users.permissions import guard

from . import views
from .permissions import NEEDS

app_name = "transcripts"

urlpatterns = guard(
    [
        path("manage/users/<int:user_id>/transcript/", views.tab, name="tab"),
        path("manage/users/<int:user_id>/transcript/csv/", views.csv_export, name="csv"),
        path("manage/users/<int:user_id>/transcript/pdf/", views.export, name="export"),
        path(
            "manage/users/<int:user_id>/transcript/pdf/<int:export_id>/status/",
            views.export_status,
            name="export_status",
        ),
        path(
            "manage/users/<int:user_id>/transcript/pdf/<int:export_id>/download/",
            views.export_download,
            name="export_download",
        ),
        path("manage/settings/certification/", views.certification_settings, name="settings"),
        path("manage/settings/certification/fields/add/", views.field_add, name="field_add"),
        path(
            "manage/settings/certification/fields/<int:field_id>/",
            views.field_values,
            name="field_values",
        ),
        path("my/transcript/", views.my_transcript, name="my_transcript"),
        path("my/transcript/csv/", views.my_csv_export, name="my_csv"),
        path("my/transcript/pdf/", views.my_export, name="my_export"),
        path(
            "my/transcript/pdf/<int:export_id>/status/",
            views.my_export_status,
            name="my_export_status",
        ),
        path(
            "my/transcript/pdf/<int:export_id>/download/",
            views.my_export_download,
            name="my_export_download",
        ),
    ],
    NEEDS,
)
