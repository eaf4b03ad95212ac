"""The user-record shell every tab renders inside (templates/users/record_base.html)."""

from django.shortcuts import get_object_or_404

from .models import User
from .roles import role_of
from .selectors import record_tabs


def record_context(user_id, *, active_tab):
    """(subject, context) for a tab view: the learner, their role, and the tab bar."""
    subject = get_object_or_404(User.objects.prefetch_related("groups"), pk=user_id)
    return subject, {
        "subject": subject,
        "subject_role": role_of(subject),
        "tabs": record_tabs(),
        "active_tab": active_tab,
    }
