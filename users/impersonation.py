"""Impersonation: django-hijack swaps the session; we add the reason, limits and audit.

The two hijack signals are the one fair use of signals here (a third-party library's).
"""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from . import services
from .auth import client_ip

SESSION_KEY = "impersonation"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def is_impersonating(request):
    return bool(request.session.get("hijack_history"))


def on_hijack_started(sender, request, hijacker, hijacked, **kwargs):
    session = services.impersonation_start(
        admin=hijacker,
        learner=hijacked,
        reason=getattr(request, "impersonation_reason", "") or "(no reason given)",
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    minutes = services.UserSettings.load().impersonation_minutes
    deadline = session.started_at + timezone.timedelta(minutes=minutes)
    request.session[SESSION_KEY] = {
        "id": session.pk,
        "deadline": deadline.isoformat(),
        "reason": session.reason,
    }


def banner(request):
    """Context processor: what the impersonation banner shows, from the session (no query)."""
    if not hasattr(request, "session") or not is_impersonating(request):
        return {}
    state = request.session.get(SESSION_KEY) or {}
    minutes_left = None
    if state.get("deadline"):
        left = datetime.fromisoformat(state["deadline"]) - timezone.now()
        minutes_left = max(1, -(-int(left.total_seconds()) // 60))
    return {
        "impersonation": {
            "reason": state.get("reason", ""),
            "minutes_left": minutes_left,
            "deadline": state.get("deadline", ""),
        }
    }


def on_hijack_ended(sender, request, hijacker, hijacked, **kwargs):
    # hijack's login() has replaced the session by now; the stop view kept our state.
    state = getattr(request, "impersonation_state", None) or {}
    services.impersonation_end(
        session_id=state.get("id"),
        admin=hijacker,
        learner=hijacked,
        ended_by=getattr(request, "impersonation_ended_by", "button"),
    )


def end_before_sign_out(request, ended_by):
    """Sign-out or timeout while impersonating: close the log entry, then sign out fully."""
    state = request.session.get(SESSION_KEY) or {}
    history = request.session.get("hijack_history") or []
    services.impersonation_end(
        session_id=state.get("id"),
        admin_id=int(history[0]) if history else None,
        learner=request.user,
        ended_by=ended_by,
    )


def guard(get_response):
    """While impersonating: end at the time limit, and audit every state-changing request."""

    def middleware(request):
        if not is_impersonating(request):
            return get_response(request)
        state = request.session.get(SESSION_KEY) or {}
        deadline = state.get("deadline")
        if deadline and timezone.now() >= datetime.fromisoformat(deadline):
            end_before_sign_out(request, "timeout")
            logout(request)
            messages.info(request, "The impersonation reached its time limit and has ended.")
            return redirect(reverse("users:sign_in"))
        response = get_response(request)
        stop_paths = {reverse("users:impersonation_stop"), reverse("users:sign_out")}
        if request.method not in SAFE_METHODS and request.path_info not in stop_paths:
            services.impersonation_request_record(
                learner=request.user,
                method=request.method,
                path=request.get_full_path()[:300],
                status=response.status_code,
            )
        return response

    return middleware
