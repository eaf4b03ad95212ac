from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = "Engagement"
    customer_service_permissions = []
    user_record_tabs = []
