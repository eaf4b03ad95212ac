"""/manage/ pages of a user record (Details and its actions), user settings, impersonation."""

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from hijack.views import AcquireUserView

from . import confirm, privacy_state, selectors, services
from .details import PROFILE_FIELDS, StaleRecord, user_update_details
from .forms import DetailsForm, ImpersonateForm, InviteForm, ReasonForm, UserSettingsForm
from .models import ImpersonationSession, OutboundEmail, User, UserSettings
from .paging import keyset_page
from .record import record_context
from .roles import role_of
from .rules import can_assign_role, can_edit_user, can_impersonate


def record(request, user_id):
    """The user record opens on its first tab."""
    subject = get_object_or_404(User, pk=user_id)
    tabs = selectors.record_tabs()
    return redirect(tabs[0][1], user_id=subject.pk)


def _initial(subject):
    initial = {name: getattr(subject, name) for name in PROFILE_FIELDS}
    initial.update(version=subject.version, role=role_of(subject).value)
    return initial


def details(request, user_id):
    """Details tab: basic info, New Password, role, reference fields, actions, History."""
    subject, context = record_context(user_id, active_tab="Details")
    context.update(privacy_state.privacy_context(subject=subject, actor=request.user))
    panels = selectors.details_panels(subject)
    may_edit = can_edit_user(actor=request.user, target=subject)
    form_kwargs = {
        "subject": subject,
        "actor": request.user,
        "reference_values": panels["reference_values"],
    }
    stale_events = None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        form, stale_events, saved = _save_details(request, subject, form_kwargs)
        selectors.named_fields(stale_events or [], panels["profile_fields"])
        if saved:
            return redirect("users:details", user_id=subject.pk)
    else:
        form = DetailsForm(initial=_initial(subject), **form_kwargs)
    if not may_edit:
        for field in form.fields.values():
            field.disabled = True
    context.update(panels, **_details_context(request, subject, panels))
    context.update(form=form, may_edit=may_edit, stale_events=stale_events)
    return render(request, "users/details.html", context)


def _save_details(request, subject, form_kwargs):
    """(the form, what changed meanwhile if the record was stale, whether it saved)."""
    form = DetailsForm(request.POST, **form_kwargs)
    if not form.is_valid():
        return form, None, False
    role = None if form.fields["role"].disabled else form.cleaned_data["role"]
    try:
        _, changes = user_update_details(
            user=subject,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            profile=form.profile(),
            new_password=form.cleaned_data["new_password"],
            role=role,
            references=form.references(),
            keep_session_key=request.session.session_key,
        )
    except StaleRecord as stale:
        subject.refresh_from_db(fields=["version"])
        data = request.POST.copy()
        data["version"] = subject.version
        data["new_password"] = ""
        form = DetailsForm(data, **form_kwargs)
        form.is_valid()
        form.add_error(
            None,
            "This record changed since you opened it (see what changed below). "
            "Nothing was saved: check the values and Save again to apply yours.",
        )
        return form, stale.events, False
    except ValidationError as error:
        form.add_error(None, error)
        return form, None, False
    if changes:
        messages.success(request, f"Saved: {_changed_names(form, changes)}.")
    else:
        messages.info(request, "Nothing to save: no field changed.")
    return form, None, True


def _details_context(request, subject, panels):
    """The Details tab's panels besides the form: History, invitation, actions and their
    confirmations."""
    return {
        "history": selectors.history_page(
            subject, cursor=request.GET.get("history"), fields=panels["profile_fields"]
        ),
        "invite_offered": services.invite_offered(subject),
        "invite_unavailable": services.invite_unavailable_reason(subject),
        "invite_form": InviteForm(initial={"request_key": secrets.token_urlsafe(24)}),
        "reason_form": ReasonForm(),
        "impersonate_form": ImpersonateForm(auto_id="impersonate_%s"),
        "disable_confirm": confirm.disable(subject),
        "enable_confirm": confirm.enable(subject),
        "erasure_cancel_confirm": confirm.erasure_cancel(),
        "impersonate_confirm": confirm.impersonate(
            subject, notify=panels["user_settings"].notify_impersonation
        ),
        "is_self": request.user.pk == subject.pk,
        "may_impersonate": can_impersonate(actor=request.user, target=subject),
        "may_change_role": can_assign_role(actor=request.user, target=subject, role="learner"),
    }


def _changed_names(form, changes):
    """The changed fields as the form labels them: "First name, City, Role"."""
    names = []
    for key in changes:
        name = "new_password" if key == "password" else key
        if key.startswith("reference:"):
            name = f"ref_{key.split(':', 1)[1]}"
        field = form.fields.get(name)
        names.append(str(field.label) if field is not None and field.label else key)
    return ", ".join(names)


def _act(request, user_id, action, success):
    subject = get_object_or_404(User, pk=user_id)
    try:
        action(subject)
    except PermissionDenied as error:
        messages.error(request, str(error) or "You are not allowed to do this.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("users:details", user_id=subject.pk)


def _reason(request):
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


def _already(request, user_id, *, active):
    """A redirect saying nothing changed when the user is already in the asked state."""
    subject = get_object_or_404(User, pk=user_id)
    if subject.is_active != active or not can_edit_user(actor=request.user, target=subject):
        return None
    state = "active and can sign in" if active else "disabled"
    messages.info(request, f"{subject.email} is already {state}. Nothing changed.")
    return redirect("users:details", user_id=subject.pk)


def _confirm_state(request, user_id, *, disable):
    """GET of Disable / Enable: the confirmation as a page (the dialog without JavaScript)."""
    subject, context = record_context(user_id, active_tab="Details")
    if not can_edit_user(actor=request.user, target=subject):
        raise PermissionDenied
    name = "disable" if disable else "enable"
    return confirm.page(
        request,
        context,
        texts=(confirm.disable if disable else confirm.enable)(subject),
        action=reverse(f"users:{name}", kwargs={"user_id": subject.pk}),
        cancel_url=confirm.details_url(subject),
        confirm_label="Disable user" if disable else "Enable user",
        form=ReasonForm(),
        danger=disable,
    )


def _change_state(request, user_id, *, disable):
    """Disable / Enable: GET confirms; POST changes the state, or says it already is so."""
    if request.method == "GET":
        return _confirm_state(request, user_id, disable=disable)
    already = _already(request, user_id, active=not disable)
    if already is not None:
        return already
    service = services.user_disable if disable else services.user_enable
    return _act(
        request,
        user_id,
        lambda subject: service(user=subject, actor=request.user, reason=_reason(request)),
        "The user is disabled and signed out everywhere."
        if disable
        else "The user is enabled and can sign in again.",
    )


@require_http_methods(["GET", "POST"])
def disable(request, user_id):
    return _change_state(request, user_id, disable=True)


@require_http_methods(["GET", "POST"])
def enable(request, user_id):
    return _change_state(request, user_id, disable=False)


@require_POST
def resend_invite(request, user_id):
    form = InviteForm(request.POST)
    key = form.cleaned_data["request_key"] if form.is_valid() else secrets.token_urlsafe(24)
    return _act(
        request,
        user_id,
        lambda subject: services.invite_send(
            user=subject,
            actor=request.user,
            request_key=key,
            link_base=request.build_absolute_uri("/"),
        ),
        "The invitation is on its way.",
    )


@require_POST
def dual_role_create(request, user_id):
    subject = get_object_or_404(User, pk=user_id)
    try:
        learner = services.dual_role_learner_record_create(manager=subject, actor=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("users:details", user_id=subject.pk)
    messages.success(request, "The learner record is ready.")
    return redirect("users:details", user_id=learner.pk)


def user_settings(request):
    """Settings > Users: Dual Role and impersonation switches (admins only)."""
    current = UserSettings.load()
    if request.method == "POST":
        form = UserSettingsForm(request.POST, instance=UserSettings.load())
        if form.is_valid():
            try:
                changes = services.user_settings_update(
                    actor=request.user,
                    values={name: form.cleaned_data[name] for name in form.Meta.fields},
                )
            except PermissionDenied as error:
                messages.error(request, str(error))
            else:
                if changes:
                    labels = [str(form.fields[name].label) for name in changes]
                    messages.success(request, f"Saved: {', '.join(labels)}.")
                else:
                    messages.info(request, "Nothing to save: no setting changed.")
                return redirect("users:settings")
    else:
        form = UserSettingsForm(instance=current)
    return render(request, "users/settings.html", {"form": form})


def impersonate(request, user_id):
    """Confirm with a reason, then sign in as the learner (django-hijack swaps the session)."""
    subject, context = record_context(user_id, active_tab="Details")
    allowed = can_impersonate(actor=request.user, target=subject)
    form = ImpersonateForm(request.POST or None)
    if request.method == "POST" and allowed and form.is_valid():
        request.impersonation_reason = form.cleaned_data["reason"]
        request.POST = QueryDict(mutable=True)
        request.POST.update({"user_pk": str(subject.pk), "next": reverse("home")})
        return AcquireUserView.as_view()(request)
    context.update(form=form, allowed=allowed, user_settings=UserSettings.load())
    status = 200 if allowed or request.method == "GET" else 403
    return render(request, "users/impersonate.html", context, status=status)


def impersonation_log(request):
    """Every impersonation, newest first: who, whom, why, how it ended."""
    page = keyset_page(
        ImpersonationSession.objects.select_related("admin", "learner"),
        order=[("started_at", True), ("id", True)],
        kinds=["datetime", "int"],
        cursor=request.GET.get("cursor"),
        size=50,
    )
    return render(request, "users/impersonation_log.html", {"page": page})


@require_POST
def email_retry(request, user_id, email_id):
    """Retry a failed e-mail to this user."""
    email = get_object_or_404(OutboundEmail, pk=email_id, user_id=user_id)
    return _act(
        request,
        user_id,
        lambda subject: services.email_retry(email=email, actor=request.user),
        "The e-mail is queued again.",
    )
