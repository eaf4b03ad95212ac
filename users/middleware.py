from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from . import audit
from .auth import client_ip
from .rules import MANAGE_USERS

MANAGE_PREFIX = "/manage/"


def real_actor_id(request):
    """The admin behind an impersonated session (django-hijack keeps a stack), if any."""
    stack = request.session.get("hijack_history") or []
    if not stack:
        return None
    try:
        return int(stack[0])
    except (TypeError, ValueError):
        return None


def audit_context(get_response):
    """Make the request's IP, user agent and real admin available to audit.record."""

    def middleware(request):
        token = audit.bind_request(
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            real_actor_id=real_actor_id(request),
        )
        try:
            return get_response(request)
        finally:
            audit.unbind_request(token)

    return middleware


def manage_gate(get_response):
    """Every /manage/ URL needs users.manage_users: anonymous signs in, others get 403.

    The permission is checked on every request, which also loads the permission cache the
    navigation uses, so templates never query for it.
    """

    def middleware(request):
        allowed = request.user.is_authenticated and request.user.has_perm(MANAGE_USERS)
        if request.path_info.startswith(MANAGE_PREFIX) and not allowed:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied
        return get_response(request)

    return middleware
