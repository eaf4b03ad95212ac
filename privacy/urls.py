from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("manage/users/<int:user_id>/privacy/export/", views.export, name="export"),
    path("manage/users/<int:user_id>/privacy/erase/", views.erase, name="erase"),
    path(
        "manage/users/<int:user_id>/privacy/erase/cancel/", views.erase_cancel, name="erase_cancel"
    ),
]
