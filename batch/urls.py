from django.urls import path

from . import bulk_views, export_views, import_views

app_name = "batch"

urlpatterns = [
    path("manage/users/learners/export.csv", export_views.learners_csv, name="learners_export"),
    path("manage/users/import/", import_views.upload, name="import"),
    *bulk_views.urlpatterns,
]
