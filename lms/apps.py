from django.apps import AppConfig


class LmsConfig(AppConfig):
    """Project wiring: the home and /manage/ pages, the demo school (seed_demo)."""

    name = "lms"
    verbose_name = "Project"
