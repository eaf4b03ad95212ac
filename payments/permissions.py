"""Who may open each /manage/ page of payments (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "tab": Need(permission="payments.view_transaction", post="payments.add_card"),
    "card_make_default": Need(),
    "card_remove": Need(),
    "subscription_cancel": Need(),
    "refund": Need(permission="payments.refund_transaction"),
}
