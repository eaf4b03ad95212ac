"""Who may open each /manage/ page of access (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "tab": Need(),
    "add": Need(),
    "seat": Need(),
    "grant": Need(),
    "revoke": Need(),
    "reinstate": Need(),
    "settings": Need(permission="access.change_accesssettings"),
}
