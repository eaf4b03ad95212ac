from django import forms
from django.contrib import admin

from users.admin import ReadOnlyAdmin

from . import panoramas
from .models import (
    AccessGrant,
    AccessSettings,
    BulkPurchase,
    Content,
    LearningPath,
    LearningPathItem,
    Panorama,
    RedemptionCode,
    Sublicense,
    SubscriptionPlan,
)


@admin.register(Content)
class ContentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "slug", "is_published", "created_at"]
    list_filter = ["kind", "is_published"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


class LearningPathItemInline(admin.TabularInline):
    model = LearningPathItem
    extra = 1
    autocomplete_fields = ["content"]


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin):
    list_display = ["title", "slug"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [LearningPathItemInline]


@admin.register(SubscriptionPlan)
class SubscriptionPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["contents", "learning_paths"]


class SublicenseFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form) and form.instance.is_main:
                raise forms.ValidationError("The Main sublicense cannot be deleted.")


class SublicenseInline(admin.StackedInline):
    model = Sublicense
    formset = SublicenseFormSet
    extra = 0
    fields = ["name", "contents", "seat_limit", "seats_used", "expires_on", "is_main"]
    readonly_fields = ["seats_used", "is_main"]
    filter_horizontal = ["contents"]


@admin.register(Panorama)
class PanoramaAdmin(admin.ModelAdmin):
    """New Panoramas go through `panorama_create`, so each gets its Main sublicense."""

    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["contents"]
    inlines = [SublicenseInline]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = panoramas.panorama_create(name=obj.name, slug=obj.slug, actor=request.user)
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        panoramas.panorama_main_sync(panorama=form.instance)


class RedemptionCodeInline(admin.TabularInline):
    model = RedemptionCode
    extra = 0
    fields = ["code", "redeemed_by", "redeemed_at"]
    raw_id_fields = ["redeemed_by"]


@admin.register(BulkPurchase)
class BulkPurchaseAdmin(admin.ModelAdmin):
    list_display = ["order_reference", "buyer", "content", "seats", "purchased_at"]
    search_fields = ["order_reference", "buyer__email", "content__title"]
    list_select_related = ["buyer", "content"]
    raw_id_fields = ["buyer"]
    autocomplete_fields = ["content"]
    inlines = [RedemptionCodeInline]


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdmin):
    """Read-only here: grants change through the Access tab, which audits every change."""

    list_display = [
        "user",
        "content",
        "learning_path",
        "plan",
        "source",
        "granted_at",
        "expires_at",
        "ended_at",
    ]
    list_filter = ["source", "end_reason"]
    search_fields = ["user__email"]
    list_select_related = ["user", "content", "learning_path", "plan"]


@admin.register(AccessSettings)
class AccessSettingsAdmin(ReadOnlyAdmin):
    """Read-only here: the switch changes on Settings > Access, which audits it."""
