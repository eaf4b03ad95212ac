"""CSV export of the current learners search (/manage/users/learners/export.csv)."""

from django.http import StreamingHttpResponse
from django.utils import timezone

from users import list_filters

from . import exporting


def learners_csv(request):
    """Stream the learners (or with ?scope=staff the staff) the list shows for ?q= and its
    filters whose data the actor may export."""
    query = request.GET.get("q", "")[:200]
    scope = list_filters.STAFF if request.GET.get("scope") == "staff" else list_filters.LEARNERS
    filters = list_filters.ListFilterForm(request.GET, scope=scope)
    disabled = filters.values().get("disabled") == "1"
    users = exporting.users_to_export(
        query=query, disabled=disabled, actor=request.user, conditions=filters.conditions()
    )
    response = StreamingHttpResponse(
        exporting.csv_lines(exporting.rows(users)), content_type="text/csv; charset=utf-8"
    )
    name = f"{'disabled-' if disabled else ''}{scope}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
