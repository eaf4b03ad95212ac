"""The user-record shell every tab renders inside (templates/users/record_base.html)."""

from django.apps import apps
from django.shortcuts import get_object_or_404
from django.utils.module_loading import import_string

from .models import User
from .roles import role_of
from .selectors import record_tabs


def record_summary(subject):
    """The header's summary line: [(label, count)] from each tab app's `user_record_summary`
    (as the tabs come from `user_record_tabs`), a fixed few queries whatever the history."""
    parts = []
    for config in apps.get_app_configs():
        path = getattr(config, "user_record_summary", None)
        if path:
            parts.extend(import_string(path)(subject))
    return [(label, count) for _, label, count in sorted(parts)]


def record_context(user_id, *, active_tab):
    """(subject, context) for a tab view: the learner, their role, the summary and tab bar."""
    subject = get_object_or_404(User.objects.prefetch_related("groups"), pk=user_id)
    return subject, {
        "subject": subject,
        "subject_role": role_of(subject),
        "record_summary": record_summary(subject),
        "tabs": record_tabs(),
        "active_tab": active_tab,
    }
