from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = "Engagement"
    # Customer Service reads both reports and may reset a learner's progress (a support fix
    # that keeps the history). Marking content complete, possibly back-dated and possibly
    # issuing a certificate, is an admin decision: Admin only.
    customer_service_permissions = [
        "engagement.view_contentaction",
        "engagement.view_progress",
        "engagement.reset_progress",
    ]
    user_record_tabs = [(40, "Engagement", "engagement:tab")]
    user_record_summary = "engagement.selectors.record_summary"
