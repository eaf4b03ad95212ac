from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    name = "transcripts"
    verbose_name = "Transcripts"
    customer_service_permissions = [
        "transcripts.view_transcriptexport",
        "transcripts.add_transcriptexport",
    ]
    user_record_tabs = [(60, "Transcript", "transcripts:tab")]
