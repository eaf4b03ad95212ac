from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"
    # Customer Service sees everything on the Payments tab, keeps the card on file up to
    # date, refunds charges and cancels subscriptions. Charging a card for a new
    # subscription or purchase (payments.add_subscription, payments.add_purchase) is Admin only.
    customer_service_permissions = [
        "payments.view_card",
        "payments.add_card",
        "payments.change_card",
        "payments.delete_card",
        "payments.view_subscription",
        "payments.change_subscription",
        "payments.view_purchase",
        "payments.view_transaction",
        "payments.refund_transaction",
    ]
    user_record_tabs = [(50, "Payments", "payments:tab")]
