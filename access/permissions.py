"""Who may open each /manage/ page of access (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "tab": Need(record=True),
    "add": Need(record=True),
    "seat": Need(record=True),
    "grant": Need(record=True),
    "revoke": Need(record=True),
    "reinstate": Need(record=True),
    "settings": Need(permission="access.change_accesssettings"),
}
