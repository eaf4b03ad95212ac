def axes_username(request, credentials):
    """django-axes counts failures per normalised e-mail (so case tricks share one counter)."""
    if credentials and credentials.get("username"):
        raw = credentials["username"]
    else:
        raw = request.POST.get("username", "") if request is not None else ""
    return str(raw).strip().lower()[:254]
