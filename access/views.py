from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from users.record import record_context

from . import panoramas, selectors, services
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


# How a learner holds an item, for "already has access ... through ...".
THROUGH_SOURCE = {
    AccessGrant.Source.MANUAL: "a manual grant",
    AccessGrant.Source.PURCHASE: "a purchase",
    AccessGrant.Source.SUBSCRIPTION: "a subscription",
    AccessGrant.Source.SUBLICENSE: "a Panorama sublicense",
    AccessGrant.Source.BULK_PURCHASE: "a bulk purchase code",
    AccessGrant.Source.LEARNING_PATH: "a learning path",
}


def _day(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d}"


def _until(grant):
    """ "until 2025-03-01", or "with no end date"."""
    return f"until {_day(grant.expires_at)}" if grant.expires_at else "with no end date"


def _through(grant):
    """The learning path or subscription that opened this grant, else how it was given."""
    parent = grant.parent
    if parent is not None and parent.learning_path is not None:
        return f"the learning path “{parent.learning_path}”"
    if parent is not None and parent.plan is not None:
        return f"the subscription “{parent.plan}”"
    return THROUGH_SOURCE.get(grant.source, grant.get_source_display())


def _already_held(grant):
    message = f"This learner already has access to {grant.item} {_until(grant)}, through "
    message += f"{_through(grant)}. Nothing changed."
    if grant.archived_at is not None:
        message += " The learner archived it: reinstate it from the Archive."
    elif grant.parent is None:
        message += " To change its expiry date, open it in the list below."
    return message


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


# (done, nothing to do) after archiving (True) or unarchiving (False) an item.
ARCHIVE_MESSAGES = {
    True: ("{item} moved to your Archive.", "{item} is already in your Archive."),
    False: (
        "{item} is back in your content.",
        "{item} is already in your content, not in your Archive.",
    ),
}


def _archive_move(request, grant_id, *, archived):
    """Move one of the learner's own items into their Archive or back, and say what happened."""
    grant = get_object_or_404(AccessGrant, pk=grant_id, user=request.user)
    service = services.access_archive if archived else services.access_unarchive
    grant, changed = service(grant=grant, actor=request.user)
    done, unchanged = ARCHIVE_MESSAGES[archived]
    if changed:
        messages.success(request, done.format(item=grant.item))
    else:
        messages.info(request, unchanged.format(item=grant.item))
    return redirect("home")


@login_required
@require_POST
def archive(request, grant_id):
    return _archive_move(request, grant_id, archived=True)


@login_required
@require_POST
def unarchive(request, grant_id):
    return _archive_move(request, grant_id, archived=False)


def _dialog_expiry_form():
    """The Change expiry dialog's form (its own ids and label: the Add form has the same field)."""
    form = ExpiryForm(auto_id="expiry_dialog_%s")
    form.fields["expires_at"].label = "Expiry date"
    return form


def _render_tab(request, user_id, *, add_form=None, seat_form=None, reinstate=None, status=200):
    subject, context = record_context(user_id, active_tab="Access")
    cursors = {name: request.GET.get(param) for name, param in CURSOR_PARAMS.items()}
    data = selectors.access_tab(subject, cursors=cursors)
    sublicenses = selectors.sublicense_choices()
    context.update(
        data,
        add_form=add_form or AddAccessForm(),
        seat_form=seat_form or SeatForm(sublicenses=sublicenses),
        catalog_choices=selectors.catalog_choices(),
        reinstate=reinstate,
        cursor_params=CURSOR_PARAMS,
        may_change=request.user.has_perm("access.change_accessgrant"),
        expiry_form=_dialog_expiry_form(),
        revoke_form=RevokeForm(auto_id="revoke_dialog_%s"),
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
            grant, created = services.access_add(
                user=subject,
                item=form.cleaned_data["item"],
                actor=request.user,
                expires_at=form.cleaned_data["expires_at"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if created:
                messages.success(request, f"{grant.item} added, with access {_until(grant)}.")
            else:
                held = selectors.grant_detail(user_id, grant.pk)
                messages.info(request, _already_held(held))
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
            done = panoramas.seat_assign(user=subject, sublicense=sublicense, actor=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            panorama = sublicense.panorama
            if not done.changed:
                messages.info(
                    request,
                    f"This learner already holds a seat in {panorama}: {sublicense.name} "
                    f"(since {_day(done.seat.assigned_at)}). Nothing changed.",
                )
            elif done.previous is not None:
                messages.success(
                    request,
                    f"Seat moved in {panorama}: from {done.previous.name} to {sublicense.name}.",
                )
            else:
                messages.success(request, f"Seat assigned in {panorama}: {sublicense.name}.")
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
    day = timezone.localtime(access.expires_at).date() if access.expires_at else None
    expiry_form = ExpiryForm(initial={"expires_at": day})
    if request.method == "POST":
        expiry_form = ExpiryForm(request.POST)
        if expiry_form.is_valid():
            new = expiry_form.cleaned_data["expires_at"]
            try:
                access, changed = services.access_expiry_change(
                    grant=access, expires_at=new, actor=request.user
                )
            except ValidationError as error:
                _add_errors(expiry_form, error)
            else:
                _say_expiry(request, access, changed)
                return redirect(_tab_url(user_id))
    context.update(
        grant=access,
        expiry_form=expiry_form,
        revoke_form=RevokeForm(),
        reinstate_form=ReinstateForm(),
    )
    return render(request, "access/grant.html", context, status=400 if expiry_form.errors else 200)


def _say_expiry(request, access, changed):
    if not changed:
        messages.info(
            request,
            f"{access.item} already expires on {_day(access.expires_at)}. Nothing changed."
            if access.expires_at
            else f"{access.item} already has no end date. Nothing changed.",
        )
    elif access.expires_at:
        messages.success(request, f"{access.item} now expires on {_day(access.expires_at)}.")
    else:
        messages.success(request, f"{access.item} no longer expires.")


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
    access, changed = services.access_revoke(
        grant=access, actor=request.user, reason=form.cleaned_data["reason"]
    )
    if changed:
        messages.success(request, f"Access to {access.item} revoked.")
    elif access.end_reason == AccessGrant.EndReason.REVOKED:
        messages.info(
            request,
            f"Access to {access.item} was already revoked on {_day(access.ended_at)}. "
            "Nothing changed.",
        )
    else:
        ended = access.expires_at or access.ended_at
        messages.info(
            request, f"Access to {access.item} already expired on {_day(ended)}. Nothing changed."
        )
    return redirect(_tab_url(user_id))


@require_POST
def reinstate(request, user_id, grant_id):
    access = _grant(user_id, grant_id)
    form = ReinstateForm(request.POST)
    if form.is_valid():
        try:
            access, changed = services.access_reinstate(
                grant=access, actor=request.user, expires_at=form.cleaned_data["expires_at"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if changed:
                messages.success(
                    request, f"{access.item} reinstated, with access {_until(access)}."
                )
            else:
                messages.info(
                    request,
                    f"{access.item} is already open to this learner, {_until(access)}, and not "
                    "archived. Nothing changed.",
                )
            return redirect(_tab_url(user_id))
    return _render_tab(request, user_id, reinstate=(access.pk, form), status=400)


def settings_page(request):
    """Settings > Access: the school-wide learner archiving switch."""
    current = AccessSettings.load()
    form = AccessSettingsForm(instance=current)
    if request.method == "POST":
        form = AccessSettingsForm(request.POST, instance=AccessSettings.load())
        if form.is_valid():
            archiving = form.cleaned_data["learner_archiving"]
            _, changed = services.access_settings_update(
                actor=request.user, learner_archiving=archiving
            )
            state = "on" if archiving else "off"
            if changed:
                messages.success(request, f"Learner archiving turned {state}.")
            else:
                messages.info(request, f"Learner archiving is already {state}. Nothing changed.")
            return redirect("access:settings")
    return render(request, "access/settings.html", {"form": form})
