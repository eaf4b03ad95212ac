from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import AuditEvent, ProfileField, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows nobody adds, changes or deletes here: they change only through audited services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    list_filter = ["is_active", "groups"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name and contact", {"fields": ["first_name", "last_name", "phone"]}),
        ("Address", {"fields": ["street", "city", "region", "postal_code", "country"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["date_joined", "last_login", "invited_at", "invite_accepted_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    readonly_fields = ["last_login", "invited_at", "invite_accepted_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["created_at", "actor_label", "real_actor_label", "subject", "action"]
    list_filter = ["action"]
    search_fields = ["actor_label", "real_actor_label", "subject__email", "action"]
    list_select_related = ["subject"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(ProfileField)
class ProfileFieldAdmin(admin.ModelAdmin):
    """School-defined learner fields: reference fields, custom inputs, survey questions."""

    list_display = ["label", "key", "kind", "position"]
    list_filter = ["kind"]
    prepopulated_fields = {"key": ["label"]}
