import ipaddress

from django.conf import settings


def axes_username(request, credentials):
    """django-axes counts failures per normalised e-mail (so case tricks share one counter)."""
    if credentials and credentials.get("username"):
        raw = credentials["username"]
    else:
        raw = request.POST.get("username", "") if request is not None else ""
    return str(raw).strip().lower()[:254]


def client_ip(request):
    """The client's address, for sign-in throttling (AXES_CLIENT_IP_CALLABLE) and the audit log.

    With TRUSTED_PROXY_COUNT = 0 it is REMOTE_ADDR: X-Forwarded-For is anybody's to write.
    Behind N trusted proxies, each appends the address it received the request from, so the
    client is the Nth entry from the right; anything further left was sent by the client and
    is ignored. A missing or malformed entry falls back to REMOTE_ADDR.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < count:
        return remote
    return _address(entries[-count]) or remote


def _address(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
