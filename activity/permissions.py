"""Who may open each /manage/ page of activity (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "tab": Need(),
    "attempt_forgive": Need(),
    "attempt_unforgive": Need(),
    "certificate_issue": Need(),
    "certificate_revoke": Need(),
    "award_grant": Need(),
    "settings": Need(permission="activity.change_activitysettings"),
}
