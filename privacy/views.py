"""/manage/ pages of privacy requests: export a learner's data, schedule or cancel an erasure."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from users import confirm, privacy_state
from users.models import User
from users.record import record_context
from users.rules import can_edit_user

from . import services


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the learner asked us to delete their data, on 3 March.",
        error_messages={"required": "Say why this learner is erased."},
    )


@require_POST
def export(request, user_id):
    """Download a ZIP of everything we hold about the learner."""
    subject = get_object_or_404(User, pk=user_id)
    data = services.privacy_export(user=subject, actor=request.user)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{subject.pk}.zip"'
    return response


def _require_may_erase(actor, subject):
    may_erase = actor.has_perm(privacy_state.ERASE_PERMISSION)
    if not (may_erase and can_edit_user(actor=actor, target=subject)):
        raise PermissionDenied("Only an admin can erase a learner.")


def erase(request, user_id):
    """Confirm an erasure: it is scheduled 7 days ahead and can be cancelled until then."""
    subject, context = record_context(user_id, active_tab="Details")
    _require_may_erase(request.user, subject)
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scheduled = services.erasure_request(
                user=subject, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Erasure scheduled for {scheduled.due_at:%d %B %Y}. "
                "It can be cancelled until then.",
            )
            return redirect("users:details", user_id=subject.pk)
    context |= {
        "form": form,
        "erasure_request": privacy_state.open_request(subject),
        "erasable": privacy_state.is_erasable(subject),
        "window_days": services.CANCEL_WINDOW.days,
        "erasure_cancel_confirm": confirm.erasure_cancel(),
    }
    return render(request, "privacy/erase.html", context)


@require_POST
def erase_cancel(request, user_id):
    """Call off the scheduled erasure of this learner."""
    subject = get_object_or_404(User, pk=user_id)
    _require_may_erase(request.user, subject)
    scheduled = privacy_state.open_request(subject)
    if scheduled is None:
        messages.info(request, "No erasure is scheduled for this learner. Nothing changed.")
    elif not confirm.is_confirmed(request):
        _, context = record_context(subject.pk, active_tab="Details")
        return confirm.page(
            request,
            context,
            texts=confirm.erasure_cancel(),
            action=request.path,
            cancel_url=confirm.details_url(subject),
            confirm_label="Cancel erasure",
        )
    else:
        services.erasure_cancel(request=scheduled, actor=request.user)
        messages.success(request, "Erasure cancelled: nothing was erased.")
    return redirect("users:details", user_id=subject.pk)
