from django.apps import AppConfig


class LmsConfig(AppConfig):
    """Project wiring: connects the access app to the users import's `grants` column."""

    name = "lms"
    verbose_name = "Project"

    def ready(self):
        from lms.management.commands.import_users import register_content_grants

        register_content_grants()
