"""The users app's models: accounts (accounts.py) and the records kept about them (records.py)."""

from .accounts import (
    NEVER_SIGNED_IN,
    ErasureRequest,
    ImpersonationSession,
    Invitation,
    User,
    UserManager,
    UserSession,
    UserSessionStore,
)
from .records import (
    AuditEvent,
    AuditEventQuerySet,
    OutboundEmail,
    ProfileField,
    ProfileValue,
    SchoolSettingsBase,
    UserSettings,
)

__all__ = [
    "NEVER_SIGNED_IN",
    "AuditEvent",
    "AuditEventQuerySet",
    "ErasureRequest",
    "ImpersonationSession",
    "Invitation",
    "OutboundEmail",
    "ProfileField",
    "ProfileValue",
    "SchoolSettingsBase",
    "User",
    "UserManager",
    "UserSession",
    "UserSessionStore",
    "UserSettings",
]
