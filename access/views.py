from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from users.record import record_context

from . import selectors, services
from .forms import (
    AccessSettingsForm,
    AddAccessForm,
    ExpiryForm,
    ReinstateForm,
    RevokeForm,
    SeatForm,
)
from .models import AccessGrant, AccessSettings

CURSOR_PARAMS = {
    "content": "content_cursor",
    "paths": "paths_cursor",
    "plans": "plans_cursor",
    "archive": "archive_cursor",
}


def _add_errors(form, error):
    """Put a service's ValidationError next to the form's fields (or on the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def learner_home(request):
    """`/`: the learner's own content, learning paths and archive."""
    data = selectors.learner_home(request.user, cursor=request.GET.get("cursor"))
    return render(
        request,
        "access/home.html",
        {**data, "page": data["content"], "archiving": AccessSettings.load().learner_archiving},
    )


@login_required
@require_POST
def archive(request, grant_id):
    grant = get_object_or_404(AccessGrant, pk=grant_id, user=request.user)
    services.access_archive(grant=grant, actor=request.user)
    messages.success(request, f"{grant.item} moved to your Archive.")
    return redirect("home")


@login_required
@require_POST
def unarchive(request, grant_id):
    grant = get_object_or_404(AccessGrant, pk=grant_id, user=request.user)
    services.access_unarchive(grant=grant, actor=request.user)
    messages.success(request, f"{grant.item} is back in your content.")
    return redirect("home")


def _datalist_options(choices):
    """The picker's <option>s, built in Python: the catalog can hold a thousand items."""
    return mark_safe(  # noqa: S308 - every value and label is escaped here
        "".join(
            f'<option value="{escape(value)}">{escape(label)}</option>' for label, value in choices
        )
    )


def _render_tab(request, user_id, *, add_form=None, seat_form=None, reinstate=None, status=200):
    subject, context = record_context(user_id, active_tab="Access")
    cursors = {name: request.GET.get(param) for name, param in CURSOR_PARAMS.items()}
    data = selectors.access_tab(subject, cursors=cursors)
    sublicenses = selectors.sublicense_choices()
    context.update(
        data,
        add_form=add_form or AddAccessForm(),
        seat_form=seat_form or SeatForm(sublicenses=sublicenses),
        catalog_options=_datalist_options(selectors.catalog_choices()),
        reinstate=reinstate,
        cursor_params=CURSOR_PARAMS,
    )
    return render(request, "access/tab.html", context, status=status)


def tab(request, user_id):
    """The Access tab: what the learner can open, their Panoramas, purchases and archive."""
    return _render_tab(request, user_id)


def _tab_url(user_id, anchor=""):
    return reverse("access:tab", kwargs={"user_id": user_id}) + anchor


@require_POST
def add(request, user_id):
    subject, _ = record_context(user_id, active_tab="Access")
    form = AddAccessForm(request.POST)
    if form.is_valid():
        try:
            grant = services.access_grant(
                user=subject,
                item=form.cleaned_data["item"],
                actor=request.user,
                expires_at=form.cleaned_data["expires_at"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{grant.item} added.")
            return redirect(_tab_url(user_id))
    return _render_tab(request, user_id, add_form=form, status=400)


@require_POST
def seat(request, user_id):
    subject, _ = record_context(user_id, active_tab="Access")
    sublicenses = selectors.sublicense_choices()
    form = SeatForm(request.POST, sublicenses=sublicenses)
    if form.is_valid():
        sublicense = form.cleaned_data["sublicense"]
        try:
            services.seat_assign(user=subject, sublicense=sublicense, actor=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Seat assigned in {sublicense.panorama}: {sublicense.name}.")
            return redirect(_tab_url(user_id, "#panoramas"))
    return _render_tab(request, user_id, seat_form=form, status=400)


def _grant(user_id, grant_id):
    try:
        return selectors.grant_detail(user_id, grant_id)
    except AccessGrant.DoesNotExist:
        raise Http404("No such access for this learner.") from None


def grant(request, user_id, grant_id):
    """One grant: its details, its expiry date, revoke."""
    subject, context = record_context(user_id, active_tab="Access")
    access = _grant(user_id, grant_id)
    expiry_form = ExpiryForm(
        initial={
            "expires_at": timezone.localtime(access.expires_at).date()
            if access.expires_at
            else None
        }
    )
    if request.method == "POST":
        expiry_form = ExpiryForm(request.POST)
        if expiry_form.is_valid():
            new = expiry_form.cleaned_data["expires_at"]
            try:
                services.access_expiry_change(grant=access, expires_at=new, actor=request.user)
            except ValidationError as error:
                _add_errors(expiry_form, error)
            else:
                messages.success(
                    request,
                    f"{access.item} now expires on {new:%Y-%m-%d}."
                    if new
                    else f"{access.item} no longer expires.",
                )
                return redirect(_tab_url(user_id))
    context.update(
        grant=access,
        expiry_form=expiry_form,
        revoke_form=RevokeForm(),
        reinstate_form=ReinstateForm(),
    )
    return render(request, "access/grant.html", context, status=400 if expiry_form.errors else 200)


@require_POST
def revoke(request, user_id, grant_id):
    access = _grant(user_id, grant_id)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        subject, context = record_context(user_id, active_tab="Access")
        context.update(
            grant=access,
            expiry_form=ExpiryForm(),
            revoke_form=form,
            reinstate_form=ReinstateForm(),
        )
        return render(request, "access/grant.html", context, status=400)
    services.access_revoke(grant=access, actor=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, f"Access to {access.item} revoked.")
    return redirect(_tab_url(user_id))


@require_POST
def reinstate(request, user_id, grant_id):
    access = _grant(user_id, grant_id)
    form = ReinstateForm(request.POST)
    if form.is_valid():
        try:
            services.access_reinstate(
                grant=access, actor=request.user, expires_at=form.cleaned_data["expires_at"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{access.item} reinstated.")
            return redirect(_tab_url(user_id))
    return _render_tab(request, user_id, reinstate=(access.pk, form), status=400)


def settings_page(request):
    """Settings > Access: the school-wide learner archiving switch."""
    if not request.user.has_perm("access.change_accesssettings"):
        raise PermissionDenied("Your role does not allow changing school settings.")
    current = AccessSettings.load()
    form = AccessSettingsForm(instance=current)
    if request.method == "POST":
        form = AccessSettingsForm(request.POST, instance=AccessSettings.load())
        if form.is_valid():
            services.access_settings_update(
                actor=request.user, learner_archiving=form.cleaned_data["learner_archiving"]
            )
            messages.success(request, "Access settings saved.")
            return redirect("access:settings")
    return render(request, "access/settings.html", {"form": form})
