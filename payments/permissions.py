"""Who may open each /manage/ page of payments (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "tab": Need(permission="payments.view_transaction", post="payments.add_card", record=True),
    "card_make_default": Need(record=True),
    "card_remove": Need(record=True),
    "subscription_cancel": Need(record=True),
    "refund": Need(permission="payments.refund_transaction", record=True),
}
