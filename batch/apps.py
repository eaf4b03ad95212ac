from django.apps import AppConfig


class BatchConfig(AppConfig):
    """Many learners at once: bulk edit from the learners list, CSV import and export."""

    name = "batch"
    verbose_name = "Bulk edit, import and export"
