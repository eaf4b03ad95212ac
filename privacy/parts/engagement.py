"""The engagement app's part of a privacy request (privacy/services.py runs it)."""

from engagement.models import ContentAction, Progress
from privacy.rows import plain_rows


def export(user):
    """Every content action and the progress per content item."""
    return {
        "content_actions": plain_rows(
            ContentAction.objects.filter(learner=user).order_by("occurred_at", "id"),
            "action",
            "occurred_at",
            "details",
            content="content__title",
        ),
        "progress": plain_rows(
            Progress.objects.filter(learner=user).order_by("content__title", "id"),
            "status",
            "percent",
            "time_spent",
            "score",
            "first_activity_at",
            "last_activity_at",
            "completed_at",
            "completion_source",
            content="content__title",
        ),
    }


def erase(user):
    """Actions and progress stay for the reports, linked only to the anonymised learner."""
    return {
        "content_actions_kept": ContentAction.objects.filter(learner=user).count(),
        "progress_kept": Progress.objects.filter(learner=user).count(),
    }
