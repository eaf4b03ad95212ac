from django.urls import path

from users.permissions import guard

from . import views
from .permissions import NEEDS

app_name = "access"

urlpatterns = guard(
    [
        path("my/access/<int:grant_id>/archive/", views.archive, name="archive"),
        path("my/access/<int:grant_id>/unarchive/", views.unarchive, name="unarchive"),
        path("manage/users/<int:user_id>/access/", views.tab, name="tab"),
        path("manage/users/<int:user_id>/access/add/", views.add, name="add"),
        path("manage/users/<int:user_id>/access/seat/", views.seat, name="seat"),
        path("manage/users/<int:user_id>/access/<int:grant_id>/", views.grant, name="grant"),
        path(
            "manage/users/<int:user_id>/access/<int:grant_id>/revoke/", views.revoke, name="revoke"
        ),
        path(
            "manage/users/<int:user_id>/access/<int:grant_id>/reinstate/",
            views.reinstate,
            name="reinstate",
        ),
        path("manage/settings/access/", views.settings_page, name="settings"),
    ],
    NEEDS,
)
