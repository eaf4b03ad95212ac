from django.urls import path

from users.permissions import guard

from . import bulk_views, export_views, import_views
from .permissions import NEEDS

app_name = "batch"

urlpatterns = guard(
    [
        path("manage/users/learners/export.csv", export_views.learners_csv, name="learners_export"),
        path("manage/users/import/", import_views.upload, name="import"),
        *bulk_views.urlpatterns,
    ],
    NEEDS,
)
