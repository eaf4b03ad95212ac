"""Who may open each /manage/ page of batch (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "learners_export": Need(),
    "import": Need(),
    "bulk_confirm": Need(),
    "bulk_apply": Need(),
    "bulk_job": Need(),
    "bulk_progress": Need(),
}
