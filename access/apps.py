from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Access"
    customer_service_permissions = [
        "access.view_content",
        "access.view_learningpath",
        "access.view_subscriptionplan",
        "access.view_panorama",
        "access.view_sublicense",
        "access.view_bulkpurchase",
        "access.view_accessgrant",
        "access.add_accessgrant",
        "access.change_accessgrant",
        "access.add_sublicenseseat",
        "access.change_sublicenseseat",
    ]
    user_record_tabs = [(20, "Access", "access:tab")]
    user_record_summary = "access.selectors.record_summary"
    # The learners list's Panorama / sublicense filter (users/list_filters.py).
    learner_list_filter = "access.selectors.learner_list_filter"
