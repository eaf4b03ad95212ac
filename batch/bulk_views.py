"""/manage/ pages of the bulk actions: confirm, apply, and follow a job's progress."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from users import field_types, list_filters
from users.models import ProfileField
from users.roles import Role

from . import bulk, grants
from .models import BulkJob

LEARNERS_URL = "/manage/users/learners/"


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(label="Bulk action", choices=list(bulk.ACTIONS.items()))
    role = forms.ChoiceField(label="Role", choices=[("", "—"), *Role.choices], required=False)
    content = forms.CharField(
        label="Content (slug)",
        max_length=200,
        required=False,
        help_text="For Grant content: the content's slug, e.g. intro-to-python.",
    )
    expires_on = forms.DateField(
        label="Access until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For Grant content: leave empty for no expiry.",
    )
    reference_field = forms.ChoiceField(label="Reference field", required=False)
    reference_value = forms.CharField(
        label="New value",
        max_length=field_types.LONG_MAX,
        required=False,
        help_text="For Set a reference field: checked by the field's type (a date as "
        "YYYY-MM-DD, a choice by its name); leave empty to clear it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference_fields = {
            field.key: field
            for field in ProfileField.objects.filter(
                kind=ProfileField.Kind.REFERENCE, retired_at__isnull=True
            )
        }
        self.fields["reference_field"].choices = [
            ("", "—"),
            *((key, field.label) for key, field in self.reference_fields.items()),
        ]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "assign_role" and not data.get("role"):
            self.add_error("role", "Choose the role to give.")
        if action == "grant_content":
            self._clean_content(data)
        if action == "set_reference":
            self._clean_reference(data)
        return data

    def _clean_reference(self, data):
        field = self.reference_fields.get(data.get("reference_field") or "")
        if field is None:
            self.add_error("reference_field", "Choose the reference field to set.")
            return
        try:
            data["reference_value"] = field_types.parse(field, data.get("reference_value", ""))
        except forms.ValidationError as invalid:
            self.add_error("reference_value", invalid.messages)

    def _clean_content(self, data):
        slug = (data.get("content") or "").strip()
        if not slug:
            self.add_error("content", "Enter the slug of the content to open.")
        else:
            item = grants.find([slug]).get(slug)
            if item is None:
                self.add_error("content", f"No content has the slug “{slug}”.")
            else:
                data["content"], data["content_label"] = slug, str(item)
        expires_on = data.get("expires_on")
        if expires_on and expires_on <= timezone.localdate():
            self.add_error("expires_on", "Choose a date in the future.")

    def parameters(self, request):
        data, action = self.cleaned_data, self.cleaned_data["action"]
        if action == "assign_role":
            return {"role": data["role"]}
        if action == "grant_content":
            expires_on = data.get("expires_on")
            return {
                "content": data["content"],
                "content_label": data["content_label"],
                "expires_on": expires_on.isoformat() if expires_on else None,
            }
        if action == "set_reference":
            field = self.reference_fields[data["reference_field"]]
            return {
                "field": field.key,
                "field_label": field.label,
                "value": data["reference_value"],
                "value_shown": field_types.shown(field, data["reference_value"]),
            }
        if action == "resend_invite":
            return {"link_base": request.build_absolute_uri("/")}
        return {}


def _selection(post):
    """(ids, search context) the posted list form means; SelectionError if unusable."""
    query = post.get("q", "")[:200]
    filters = list_filters.ListFilterForm(post)
    kept = filters.values()
    disabled = kept.get("disabled") == "1"
    all_matching = post.get("all_matching") == "1"
    field = "page_user" if post.get("all_on_page") == "1" else "user"
    ids = [] if all_matching else bulk.parse_ids(post.getlist(field))
    found = bulk.resolve_selection(
        ids=ids,
        all_matching=all_matching,
        query=query,
        disabled=disabled,
        conditions=filters.conditions(),
    )
    return found, {
        "query": query,
        "disabled": disabled,
        "filters": kept,
        "all_matching": all_matching,
        "ids": ids,
    }


def _selected(request):
    """`_selection` of the posted form, or None once the message says why it is unusable."""
    try:
        return _selection(request.POST)
    except bulk.SelectionError as error:
        messages.error(request, str(error))
        return None


def _back_to_list(post):
    params = list_filters.ListFilterForm(post).values()
    if post.get("q"):
        params["q"] = post.get("q", "")[:200]
    return redirect(f"{LEARNERS_URL}?{urlencode(params)}" if params else LEARNERS_URL)


def _url(name, **kwargs):
    try:
        return reverse(f"batch:{name}", kwargs=kwargs)
    except NoReverseMatch:
        return ""


def confirm(request):
    """The confirmation: how many learners, and what will happen to them."""
    if request.method != "POST":
        messages.info(request, "Select learners on the list, then choose a bulk action.")
        return redirect(LEARNERS_URL)
    selected = _selected(request)
    if selected is None:
        return _back_to_list(request.POST)
    found, selection = selected
    form = BulkActionForm(request.POST)
    summary = None
    if form.is_valid():
        parameters = form.parameters(request)
        try:
            bulk.check_parameters(
                actor=request.user, action=form.cleaned_data["action"], parameters=parameters
            )
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
        else:
            summary = bulk.describe(
                action=form.cleaned_data["action"], parameters=parameters, count=len(found)
            )
    return render(
        request,
        "batch/bulk_confirm.html",
        {"form": form, "count": len(found), "summary": summary, **selection},
        status=200 if summary else 400,
    )


@require_POST
def apply(request):
    """Start the confirmed bulk action (checked again: the selection may have changed)."""
    selected = _selected(request)
    if selected is None:
        return _back_to_list(request.POST)
    found, _ = selected
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The bulk action was not understood; choose it again.")
        return _back_to_list(request.POST)
    try:
        job = bulk.bulk_job_start(
            actor=request.user,
            action=form.cleaned_data["action"],
            parameters=form.parameters(request),
            user_ids=found,
        )
    except PermissionDenied as refused:
        messages.error(request, str(refused))
        return _back_to_list(request.POST)
    return redirect(_url("bulk_job", job_id=job.pk) or f"/manage/users/bulk/{job.pk}/")


def _job(request, job_id):
    job = BulkJob.objects.select_related("actor").filter(pk=job_id).first()
    if job is None or not (request.user.is_superuser or job.actor_id == request.user.pk):
        raise Http404("No such bulk action.")
    return job


def _job_context(job):
    return {
        "job": job,
        "label": bulk.ACTIONS.get(job.action, job.action),
        "processed": job.done + job.failed,
        "finished": job.status == BulkJob.Status.DONE,
        "progress_url": _url("bulk_progress", job_id=job.pk)
        or f"/manage/users/bulk/{job.pk}/progress/",
    }


def job_page(request, job_id):
    """A bulk action's progress bar and, once finished, who failed and why."""
    return render(request, "batch/bulk_job.html", _job_context(_job(request, job_id)))


def job_progress(request, job_id):
    """The progress fragment the job page polls every 2 seconds while it runs."""
    return render(request, "batch/bulk_progress.html", _job_context(_job(request, job_id)))


urlpatterns = [
    path("manage/users/learners/bulk/", confirm, name="bulk_confirm"),
    path("manage/users/learners/bulk/apply/", apply, name="bulk_apply"),
    path("manage/users/bulk/<int:job_id>/", job_page, name="bulk_job"),
    path("manage/users/bulk/<int:job_id>/progress/", job_progress, name="bulk_progress"),
]
