from django.contrib import admin
from django.urls import include, path

from access import views as access_views
from users.permissions import guard

from . import views
from .permissions import NEEDS

admin.site.site_header = "Learning platform: Django admin"
# Django's admin is for superusers only; staff work in /manage/.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser

urlpatterns = [
    path("", access_views.learner_home, name="home"),
    *guard([path("manage/", views.manage_home, name="manage_home")], NEEDS),
    path("", include("users.urls")),
    path("", include("access.urls")),
    path("", include("activity.urls")),
    path("", include("engagement.urls")),
    path("", include("payments.urls")),
    path("", include("transcripts.urls")),
    path("", include("batch.urls")),
    path("", include("privacy.urls")),
    path("django-admin/", admin.site.urls),
]
# Media (transcript and certificate PDFs) is never served by URL: views check who asks.
