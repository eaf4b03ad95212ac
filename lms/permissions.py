"""Who may open each /manage/ page of lms (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "manage_home": Need(),
}
