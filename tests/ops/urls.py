"""Until the lead wires them: lms.urls plus the ops pages (see OPS_URLS in conftest)."""

from django.urls import include, path

from users import export_views, import_views

urlpatterns = [
    path("manage/users/import/", import_views.upload),
    path("manage/users/learners/export.csv", export_views.learners_csv),
    path("", include("lms.urls")),
]
