"""Who may open each /manage/ page of engagement (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "tab": Need(),
    "progress_reset": Need(),
    "progress_complete": Need(),
    "content_actions": Need(permission="engagement.view_contentaction"),
    "learner_progress": Need(permission="engagement.view_progress"),
}
