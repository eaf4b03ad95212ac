"""Database sessions that remember their user, so disabling someone ends every session now."""

from django.contrib.sessions.backends.db import SessionStore as DBStore


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        from .models import UserSession

        return UserSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            instance.user_id = None
        return instance


def end_sessions(user, *, keep_session_key=None):
    """Delete every session of this user (optionally sparing the current one)."""
    from .models import UserSession

    sessions = UserSession.objects.filter(user_id=user.pk)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    sessions.delete()
