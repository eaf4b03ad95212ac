"""Django's admin (superusers): the school's assessments, certificate templates, award types.

Certificates, attempts and award grants change only through the Activity tab's services.
"""

from django.contrib import admin, messages

from . import services
from .models import Assessment, AwardType, CertificateTemplate


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["title", "content", "max_attempts", "passing_score"]
    search_fields = ["title", "content__title"]
    autocomplete_fields = ["content"]


@admin.register(CertificateTemplate)
class CertificateTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "content", "validity_days", "created_at", "removed_at"]
    list_filter = [("removed_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "content__title"]
    autocomplete_fields = ["content"]
    readonly_fields = ["removed_at"]
    actions = ["remove_from_content"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Remove from its content (stops manual issue)")
    def remove_from_content(self, request, queryset):
        for template in queryset:
            services.certificate_template_remove(template=template, actor=request.user)
        messages.success(request, f"Removed {queryset.count()} certificate template(s).")


@admin.register(AwardType)
class AwardTypeAdmin(admin.ModelAdmin):
    list_display = ["singular", "plural", "icon"]
    search_fields = ["singular", "plural"]
