"""Database sessions that remember their user, so disabling someone ends every session now."""

from . import bulk_writes
from .models import UserSession
from .models import UserSessionStore as SessionStore  # the engine Django loads

__all__ = ["SessionStore", "end_sessions", "end_sessions_of"]


def end_sessions(user, *, keep_session_key=None):
    """Delete every session of this user (optionally sparing the current one)."""
    end_sessions_of([user.pk], keep_session_key=keep_session_key)


def end_sessions_of(user_ids, *, keep_session_key=None):
    """Delete every session of these users, in chunks (an import may end thousands), sparing
    `keep_session_key`: the acting admin's own session, when they are among them."""
    for chunk in bulk_writes.chunks(user_ids):
        sessions = UserSession.objects.filter(user_id__in=chunk)
        if keep_session_key:
            sessions = sessions.exclude(session_key=keep_session_key)
        sessions.delete()
