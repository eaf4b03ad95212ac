from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "activity"
    verbose_name = "Activity"
    customer_service_permissions = []
    user_record_tabs = []
