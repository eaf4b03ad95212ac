"""Who may open each /manage/ page of activity (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "tab": Need(record=True),
    "attempt_forgive": Need(record=True),
    "attempt_unforgive": Need(record=True),
    "certificate_issue": Need(record=True),
    "certificate_revoke": Need(record=True),
    "award_grant": Need(record=True),
    "settings": Need(permission="activity.change_activitysettings"),
}
