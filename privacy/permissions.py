"""Who may open each /manage/ page of privacy (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "export": Need(record=True),
    "erase": Need(record=True),
    "erase_cancel": Need(record=True),
}
