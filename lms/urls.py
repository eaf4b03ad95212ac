from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from access import views as access_views

from . import views

admin.site.site_header = "Learning platform: Django admin"
# Django's admin is for superusers only; staff work in /manage/.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser

urlpatterns = [
    path("", access_views.learner_home, name="home"),
    path("manage/", views.manage_home, name="manage_home"),
    path("", include("users.urls")),
    path("", include("access.urls")),
    path("", include("activity.urls")),
    path("", include("engagement.urls")),
    path("", include("payments.urls")),
    path("", include("transcripts.urls")),
    path("django-admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
