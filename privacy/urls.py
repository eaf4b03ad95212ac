from django.urls import path

from users.permissions import guard

from . import views
from .permissions import NEEDS

app_name = "privacy"

urlpatterns = guard(
    [
        path("manage/users/<int:user_id>/privacy/export/", views.export, name="export"),
        path("manage/users/<int:user_id>/privacy/erase/", views.erase, name="erase"),
        path(
            "manage/users/<int:user_id>/privacy/erase/cancel/",
            views.erase_cancel,
            name="erase_cancel",
        ),
    ],
    NEEDS,
)
