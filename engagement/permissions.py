"""Who may open each /manage/ page of engagement (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "tab": Need(record=True),
    "progress_reset": Need(record=True),
    "progress_complete": Need(record=True),
    "content_actions": Need(permission="engagement.view_contentaction"),
    "learner_progress": Need(permission="engagement.view_progress"),
}
