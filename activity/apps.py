from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "activity"
    verbose_name = "Activity"
    # Customer Service sees everything on the Activity tab, forgives attempts, issues
    # certificates and grants awards. Revoking a certificate, editing assessments,
    # certificate templates and award types, and the gamification switch stay with Admin.
    customer_service_permissions = [
        "activity.view_assessment",
        "activity.view_attempt",
        "activity.forgive_attempt",
        "activity.view_certificatetemplate",
        "activity.view_certificate",
        "activity.issue_certificate",
        "activity.view_awardtype",
        "activity.view_awardgrant",
        "activity.grant_award",
        "activity.view_activitysettings",
    ]
    user_record_tabs = [(30, "Activity", "activity:tab")]
    user_record_summary = "activity.selectors.record_summary"
