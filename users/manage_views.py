"""/manage/ pages of the users app (the manage-users gate guards all of /manage/)."""

from django.shortcuts import get_object_or_404, redirect, render

from . import selectors
from .models import User
from .roles import role_of


def learner_list(request):
    query = request.GET.get("q", "")[:200]
    disabled = request.GET.get("disabled") == "1"
    sort = request.GET.get("sort", "name")
    page = selectors.learner_page(
        query=query, disabled=disabled, sort=sort, cursor=request.GET.get("cursor")
    )
    rows = [(user, role_of(user)) for user in page.rows]
    return render(
        request,
        "users/learner_list.html",
        {
            "query": query,
            "disabled": disabled,
            "sort": sort if sort in selectors.SORTS else "name",
            "page": page,
            "rows": rows,
            "empty_title": f"No {'disabled' if disabled else 'active'} users match “{query}”.",
        },
    )


def record(request, user_id):
    """The user record opens on its first tab; with no tab yet, the header alone."""
    subject = get_object_or_404(User.objects.prefetch_related("groups"), pk=user_id)
    tabs = selectors.record_tabs()
    if tabs:
        return redirect(tabs[0][1], user_id=subject.pk)
    return render(
        request,
        "users/record_base.html",
        {"subject": subject, "subject_role": role_of(subject), "tabs": tabs},
    )
