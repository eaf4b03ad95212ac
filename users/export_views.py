"""CSV export of the current learners search (/manage/users/learners/export.csv)."""

from django.http import StreamingHttpResponse
from django.utils import timezone

from . import exporting


def learners_csv(request):
    """Stream the learners matching ?q= (and ?disabled=1) whose data the actor may export."""
    query = request.GET.get("q", "")[:200]
    disabled = request.GET.get("disabled") == "1"
    users = exporting.users_to_export(query=query, disabled=disabled, actor=request.user)
    response = StreamingHttpResponse(
        exporting.csv_lines(exporting.rows(users)), content_type="text/csv; charset=utf-8"
    )
    name = f"{'disabled-' if disabled else ''}learners-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
