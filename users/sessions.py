"""Database sessions that remember their user, so disabling someone ends every session now."""

from .models import UserSession
from .models import UserSessionStore as SessionStore  # the engine Django loads

__all__ = ["SessionStore", "end_sessions"]


def end_sessions(user, *, keep_session_key=None):
    """Delete every session of this user (optionally sparing the current one)."""
    sessions = UserSession.objects.filter(user_id=user.pk)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    sessions.delete()
