from django.urls import path

from users.permissions import guard

from . import views
from .permissions import NEEDS

app_name = "engagement"

urlpatterns = guard(
    [
        path("learn/<slug:slug>/", views.learn, name="learn"),
        path("learn/<slug:slug>/complete/", views.learn_complete, name="learn_complete"),
        path("manage/users/<int:user_id>/engagement/", views.tab, name="tab"),
        path(
            "manage/users/<int:user_id>/engagement/reset/",
            views.progress_reset,
            name="progress_reset",
        ),
        path(
            "manage/users/<int:user_id>/engagement/complete/",
            views.progress_complete,
            name="progress_complete",
        ),
        path(
            "manage/reports/content-actions/",
            views.content_actions_report,
            name="content_actions",
        ),
        path(
            "manage/reports/learner-progress/",
            views.learner_progress_report,
            name="learner_progress",
        ),
    ],
    NEEDS,
)
