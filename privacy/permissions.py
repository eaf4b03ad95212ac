"""Who may open each /manage/ page of privacy (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "export": Need(),
    "erase": Need(),
    "erase_cancel": Need(),
}
