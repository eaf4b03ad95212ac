from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """A learner's privacy requests: export everything we hold, erase them after a window."""

    name = "privacy"
    verbose_name = "Privacy requests"
