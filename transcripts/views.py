import csv
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from users.models import User
from users.record import record_context
from users.rules import can_export, can_view_record

from . import selectors, services
from .forms import CertificationSettingsForm, FieldValuesForm, TranscriptFieldForm
from .models import TranscriptExport, TranscriptField

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CURSOR_LENGTH = 1000
SETTING_NAMES = {
    "title": "title",
    "footer": "footer line",
    "columns": "columns",
    "credits_field": "credits field",
    "learner_fields": "learner fields",
}


def _in_progress(request):
    return request.GET.get("in_progress") == "1"


def _export_urls(export, *, user_id=None):
    """Status, download and retry URLs of an export, on the manage side or the learner's own."""
    if export is None:
        return {}
    if user_id is None:
        return {
            "status_url": reverse("transcripts:my_export_status", args=[export.pk]),
            "download_url": reverse("transcripts:my_export_download", args=[export.pk]),
            "export_url": reverse("transcripts:my_export"),
        }
    return {
        "status_url": reverse("transcripts:export_status", args=[user_id, export.pk]),
        "download_url": reverse("transcripts:export_download", args=[user_id, export.pk]),
        "export_url": reverse("transcripts:export", args=[user_id]),
    }


def _require_may_export(request, learner):
    if not can_export(actor=request.user, subject=learner):
        raise PermissionDenied("Your role does not allow exporting this user's transcript.")


def _page_context(request, learner, *, user_id=None):
    in_progress = _in_progress(request)
    may_export = can_export(actor=request.user, subject=learner)
    export = selectors.latest_export(learner) if may_export else None
    base = (
        reverse("transcripts:tab", args=[user_id])
        if user_id is not None
        else reverse("transcripts:my_transcript")
    )
    return {
        "transcript": selectors.transcript(learner, in_progress=in_progress),
        "export": export,
        "export_urls": _export_urls(export, user_id=user_id),
        "export_url": reverse("transcripts:export", args=[user_id])
        if user_id is not None
        else reverse("transcripts:my_export"),
        "csv_url": (
            reverse("transcripts:csv", args=[user_id])
            if user_id is not None
            else reverse("transcripts:my_csv")
        )
        + ("?in_progress=1" if in_progress else ""),
        "page_url": base,
        "in_progress": in_progress,
        "may_export": may_export,
    }


def tab(request, user_id):
    """The Transcript tab: completed content with the school's columns, print and export."""
    subject, context = record_context(user_id, active_tab="Transcript")
    if not can_view_record(actor=request.user, subject=subject):
        raise PermissionDenied
    context.update(_page_context(request, subject, user_id=subject.pk))
    return render(request, "transcripts/tab.html", context)


@login_required
def my_transcript(request):
    """`/my/transcript/`: the learner's own transcript."""
    return render(request, "transcripts/my_transcript.html", _page_context(request, request.user))


class _Echo:
    def write(self, value):
        return value


def _safe(text):
    """Spreadsheets run cells that start like a formula: make them plain text."""
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _csv_response(learner, *, in_progress):
    transcript = selectors.transcript(learner, in_progress=in_progress)
    writer = csv.writer(_Echo())

    # The chosen learner fields lead each row, so every line says whose it is.
    labels = [label for label, _ in transcript.learner_fields]
    shown = [_safe(value) for _, value in transcript.learner_fields]

    def lines():
        yield writer.writerow([*labels, *(column.label for column in transcript.columns)])
        for row in transcript.rows:
            yield writer.writerow([*shown, *(_safe(cell.csv) for cell in row)])

    slug = re.sub(r"[^a-z0-9]+", "-", transcript.learner_name.lower()).strip("-") or "learner"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="transcript-{slug}-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    return response


def csv_export(request, user_id):
    """Export CSV: the same columns as the tab, streamed."""
    learner = get_object_or_404(User, pk=user_id)
    _require_may_export(request, learner)
    return _csv_response(learner, in_progress=_in_progress(request))


@login_required
def my_csv_export(request):
    return _csv_response(request.user, in_progress=_in_progress(request))


def _request_export(request, learner, redirect_to):
    in_progress = request.POST.get("in_progress") == "1"
    export, created = services.export_request(
        learner=learner, actor=request.user, include_in_progress=in_progress
    )
    # Without a broker the render ran on commit, inside the request: say what is true now.
    export.refresh_from_db()
    state = export.shown_status
    if state == TranscriptExport.Status.READY:
        messages.success(request, "The PDF is ready: use Download PDF below.")
    elif state == TranscriptExport.Status.FAILED:
        messages.error(
            request, f"The PDF could not be made{f': {export.error}' if export.error else '.'}"
        )
    elif created:
        messages.success(request, "The PDF is being made; a download link appears when ready.")
    else:
        messages.info(
            request, "This PDF is already being made; a download link appears when ready."
        )
    return redirect(redirect_to + ("?in_progress=1" if in_progress else ""))


@require_POST
def export(request, user_id):
    """Export PDF: queue the render (or find the one already running)."""
    learner = get_object_or_404(User, pk=user_id)
    _require_may_export(request, learner)
    return _request_export(request, learner, reverse("transcripts:tab", args=[user_id]))


@login_required
@require_POST
def my_export(request):
    return _request_export(request, request.user, reverse("transcripts:my_transcript"))


def _status(request, export, urls):
    return render(
        request, "transcripts/_export_status.html", {"export": export, "export_urls": urls}
    )


def export_status(request, user_id, export_id):
    """The export's status fragment, polled by htmx while it is queued or rendering."""
    export = get_object_or_404(
        TranscriptExport.objects.select_related("learner"), pk=export_id, learner_id=user_id
    )
    _require_may_export(request, export.learner)
    return _status(request, export, _export_urls(export, user_id=user_id))


@login_required
def my_export_status(request, export_id):
    export = get_object_or_404(TranscriptExport, pk=export_id, learner=request.user)
    return _status(request, export, _export_urls(export))


def _download(export):
    if export.shown_status != TranscriptExport.Status.READY or not export.file:
        raise Http404("This PDF is not ready.")
    learner = export.learner
    slug = re.sub(r"[^a-z0-9]+", "-", (learner.full_name or "learner").lower()).strip("-")
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"transcript-{slug or 'learner'}-{export.created_at:%Y-%m-%d}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def export_download(request, user_id, export_id):
    """The PDF, streamed to those who may export it (never a public media URL)."""
    export = get_object_or_404(
        TranscriptExport.objects.select_related("learner"), pk=export_id, learner_id=user_id
    )
    _require_may_export(request, export.learner)
    return _download(export)


@login_required
def my_export_download(request, export_id):
    """The learner's own PDF; anybody else's is not found."""
    export = get_object_or_404(
        TranscriptExport.objects.select_related("learner"), pk=export_id, learner=request.user
    )
    return _download(export)


def _settings_form(data, post=None):
    """The Settings > Certification form, bound to `post` or filled from the saved settings."""
    options = {
        "columns": data["columns"],
        "number_fields": TranscriptField.objects.filter(kind=TranscriptField.Kind.NUMBER),
        "learner_fields": data["learner_fields"],
    }
    if post is not None:
        return CertificationSettingsForm(post, **options)
    initial = CertificationSettingsForm.initial_for(data["settings"], data["columns"])
    return CertificationSettingsForm(initial=initial, **options)


def certification_settings(request):
    """Settings > Certification: transcript columns and their order, title, footer, fields."""
    data = selectors.settings_page()
    form = _settings_form(data, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        changes = services.transcript_settings_update(
            actor=request.user,
            title=form.cleaned_data["title"],
            footer=form.cleaned_data["footer"],
            columns=form.chosen_columns(),
            credits_field=form.cleaned_data["credits_field"],
            learner_fields=form.cleaned_data["learner_fields"],
        )
        if changes:
            names = ", ".join(SETTING_NAMES.get(name, name) for name in changes)
            messages.success(request, f"Certification settings saved: {names} changed.")
        else:
            messages.info(request, "Nothing changed: the certification settings were as saved.")
        return redirect("transcripts:settings")
    return render(
        request,
        "transcripts/settings.html",
        {**data, "form": form, "field_form": TranscriptFieldForm()},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def field_add(request):
    """Add a school-defined transcript field (shown as the transcript's last column)."""
    form = TranscriptFieldForm(request.POST)
    if form.is_valid():
        try:
            field = services.transcript_field_create(
                actor=request.user, name=form.cleaned_data["name"], kind=form.cleaned_data["kind"]
            )
        except ValidationError as error:
            form.add_error("name", error.message_dict.get("name", error.messages))
        else:
            messages.success(request, f"Transcript field {field.name} added.")
            return redirect("transcripts:field_values", field_id=field.pk)
    data = selectors.settings_page()
    settings_form = _settings_form(data)
    return render(
        request,
        "transcripts/settings.html",
        {**data, "form": settings_form, "field_form": form},
        status=400,
    )


def field_values(request, field_id):
    """One transcript field's value for each content item, a page of content at a time."""
    field = get_object_or_404(TranscriptField, pk=field_id)
    cursor = request.GET.get("cursor") or request.POST.get("cursor")
    page = selectors.field_values_page(field, cursor=cursor)
    form_args = {"field": field, "contents": page.rows, "values": page.extra["values"]}
    status = 200
    if request.method == "POST":
        form = FieldValuesForm(request.POST, **form_args)
        if form.is_valid():
            try:
                changes = services.transcript_field_values_set(
                    actor=request.user, field=field, values=form.values()
                )
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                if changes:
                    titles = ", ".join(name.split(": ", 1)[1] for name in changes)
                    messages.success(
                        request, f"{len(changes)} value(s) of {field.name} saved: {titles}."
                    )
                else:
                    messages.info(
                        request, f"Nothing changed: every value of {field.name} was as saved."
                    )
                url = reverse("transcripts:field_values", args=[field.pk])
                keep = cursor and len(cursor) <= MAX_CURSOR_LENGTH
                return redirect(url + (f"?{urlencode({'cursor': cursor})}" if keep else ""))
        status = 400
    else:
        form = FieldValuesForm(**form_args)
    return render(
        request,
        "transcripts/field_values.html",
        {"field": field, "form": form, "page": page, "cursor": cursor or ""},
        status=status,
    )
