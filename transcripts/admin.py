from django.contrib import admin

from .models import TranscriptExport, TranscriptField, TranscriptFieldValue


class TranscriptFieldValueInline(admin.TabularInline):
    model = TranscriptFieldValue
    extra = 1
    autocomplete_fields = ["content"]


@admin.register(TranscriptField)
class TranscriptFieldAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_at"]
    inlines = [TranscriptFieldValueInline]


@admin.register(TranscriptExport)
class TranscriptExportAdmin(admin.ModelAdmin):
    list_display = ["learner", "status", "requested_by", "created_at", "finished_at"]
    list_filter = ["status"]
    raw_id_fields = ["learner", "requested_by"]
    readonly_fields = ["file"]
