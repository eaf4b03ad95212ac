"""Activity tab, its actions, the certificate pages and Settings > Activity (thin views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from access.models import Content
from users.record import record_context
from users.rules import can_edit_user, can_manage_users

from . import selectors, services
from .forms import (
    ActivitySettingsForm,
    AwardGrantForm,
    ForgiveForm,
    IssueCertificateForm,
    RevokeForm,
)
from .models import ActivitySettings, Attempt, Certificate

CURSORS = ("attempts", "certificates", "content", "awards")


def _tab_url(user_id, anchor=""):
    url = reverse("activity:tab", kwargs={"user_id": user_id})
    return f"{url}#{anchor}" if anchor else url


def _actions(request, subject):
    """What the signed-in manager may do on this record (the buttons drawn)."""
    editable = can_edit_user(actor=request.user, target=subject)
    return {
        "can_forgive": editable and request.user.has_perm("activity.forgive_attempt"),
        "can_issue": editable and request.user.has_perm("activity.issue_certificate"),
        "can_revoke": editable and request.user.has_perm("activity.revoke_certificate"),
        "can_grant": editable and request.user.has_perm("activity.grant_award"),
    }


def _posted(request):
    """The submitted data on POST (even when empty), None on GET: an unbound form."""
    return request.POST if request.method == "POST" else None


def _learner_row(request, user_id, queryset, row_id, form_class):
    """(subject, context, one of the learner's rows or a 404, the form of its dialog)."""
    subject, context = record_context(user_id, active_tab="Activity")
    row = get_object_or_404(queryset, pk=row_id, learner=subject)
    return subject, context, row, form_class(_posted(request))


def _on_form(form, service, **arguments):
    """What the service returns, or None with its refusal put on the form."""
    try:
        return service(**arguments)
    except ValidationError as error:
        form.add_error(None, error)
        return None


def _message_of(error):
    return " ".join(error.messages)


def tab(request, user_id):
    """`/manage/users/<id>/activity/`: attempts, certificates and awards."""
    subject, context = record_context(user_id, active_tab="Activity")
    context["tab"] = selectors.activity_tab(
        user=subject,
        cursors={name: request.GET.get(f"{name}_cursor") for name in CURSORS},
    )
    context.update(
        _actions(request, subject),
        forgive_form=ForgiveForm(auto_id="forgive_dialog_%s"),
        revoke_form=RevokeForm(auto_id="revoke_dialog_%s"),
    )
    return render(request, "activity/tab.html", context)


def attempt_forgive(request, user_id, attempt_id):
    """Confirm, then forgive an attempt (GET shows the confirmation)."""
    subject, context, attempt, form = _learner_row(
        request, user_id, Attempt.objects.select_related("assessment"), attempt_id, ForgiveForm
    )
    if request.method == "POST" and form.is_valid():
        already = attempt.forgiven_at is not None
        services.attempt_forgive(
            attempt=attempt, actor=request.user, reason=form.cleaned_data["reason"]
        )
        if already:
            messages.info(
                request,
                f"Nothing changed: the attempt at {attempt.assessment.title} was already forgiven.",
            )
        else:
            messages.success(
                request,
                f"Attempt at {attempt.assessment.title} forgiven: "
                "it no longer counts toward the limit.",
            )
        return redirect(_tab_url(subject.pk, "attempts"))
    context.update({"attempt": attempt, "form": form})
    return render(request, "activity/forgive.html", context)


@require_http_methods(["GET", "POST"])
def attempt_unforgive(request, user_id, attempt_id):
    attempt = get_object_or_404(
        Attempt.objects.select_related("assessment"), pk=attempt_id, learner_id=user_id
    )
    if request.method == "GET":  # the confirmation as a page, for browsers without JavaScript
        subject, context = record_context(user_id, active_tab="Activity")
        context.update(
            title=f"Undo the forgiveness of this attempt at {attempt.assessment.title}?",
            consequence="The attempt counts toward the limit again; if the limit is reached, "
            "the learner cannot try again.",
            action=request.path,
            cancel_url=_tab_url(user_id, "attempts"),
            confirm_label="Undo forgiveness",
        )
        return render(request, "components/confirm_page.html", context)
    if attempt.forgiven_at is None:
        messages.info(
            request,
            f"Nothing changed: the attempt at {attempt.assessment.title} was not forgiven.",
        )
        return redirect(_tab_url(user_id, "attempts"))
    services.attempt_unforgive(attempt=attempt, actor=request.user)
    messages.success(
        request, f"Forgiveness undone: the attempt at {attempt.assessment.title} counts again."
    )
    return redirect(_tab_url(user_id, "attempts"))


@require_POST
def certificate_issue(request, user_id):
    """The Issue Certificate button next to a content item."""
    subject, _ = record_context(user_id, active_tab="Activity")
    form = IssueCertificateForm(request.POST)
    content = None
    if form.is_valid():
        content = Content.objects.filter(pk=form.cleaned_data["content"]).first()
    elif "reason" in form.errors:
        messages.error(request, "Keep the reason under 500 characters.")
        return redirect(_tab_url(subject.pk, "certificates"))
    if content is None:
        messages.error(request, "Choose content from the Certificates section.")
        return redirect(_tab_url(subject.pk, "certificates"))
    started = timezone.now()
    try:
        certificate = services.certificate_issue(
            user=subject, content=content, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, _message_of(error))
    else:
        if certificate.issued_at >= started:
            messages.success(
                request,
                f"Certificate granted: {certificate.title} ({certificate.verification_code}).",
            )
        else:
            messages.info(
                request,
                f"Nothing changed: {subject} already holds {certificate.title} for "
                f"{content.title} ({certificate.verification_code}).",
            )
    return redirect(_tab_url(subject.pk, "certificates"))


def certificate_revoke(request, user_id, certificate_id):
    """Confirm with a reason, then revoke a certificate (GET shows the confirmation)."""
    subject, context, certificate, form = _learner_row(
        request, user_id, Certificate.objects.select_related("content"), certificate_id, RevokeForm
    )
    if request.method == "POST" and form.is_valid():
        revoked = _on_form(
            form,
            services.certificate_revoke,
            certificate=certificate,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        if revoked is not None:
            messages.success(request, f"Certificate {certificate.verification_code} revoked.")
            return redirect(_tab_url(subject.pk, "certificates"))
    context.update({"certificate": certificate, "form": form})
    return render(request, "activity/revoke.html", context)


def award_grant(request, user_id):
    """Manually Grant Award: award type, quantity, content, Save."""
    subject, context = record_context(user_id, active_tab="Activity")
    gamification = selectors.gamification_on()
    form = AwardGrantForm(_posted(request), learner=subject)
    if request.method == "POST" and gamification and form.is_valid():
        data = form.cleaned_data
        grant = _on_form(
            form,
            services.award_grant,
            user=subject,
            award_type=data["award_type"],
            quantity=data["quantity"],
            content=data["content"],
            actor=request.user,
            note=data["note"],
        )
        if grant is not None:
            messages.success(
                request,
                f"Granted {grant.quantity} {grant.award_type.label(grant.quantity)} "
                f"for {grant.content.title}.",
            )
            return redirect(_tab_url(subject.pk, "awards"))
    context.update({"form": form, "gamification": gamification})
    return render(request, "activity/award_grant.html", context)


def activity_settings(request):
    """Settings > Activity: the gamification switch (admins only)."""
    current = ActivitySettings.load()
    was_on = current.gamification
    form = ActivitySettingsForm(_posted(request), instance=current)
    if request.method == "POST" and form.is_valid():
        gamification = form.cleaned_data["gamification"]
        services.activity_settings_update(actor=request.user, gamification=gamification)
        state = "on" if gamification else "off"
        if gamification == was_on:
            messages.info(request, f"Nothing changed: gamification was already {state}.")
        else:
            messages.success(request, f"Activity settings saved: gamification turned {state}.")
        return redirect("activity:settings")
    return render(
        request,
        "activity/settings.html",
        {"form": form, "can_change": request.user.has_perm("activity.change_activitysettings")},
    )


@login_required
def my_certificates(request):
    """`/my/certificates/`: the learner's own certificates (and awards when gamification is on)."""
    gamification = selectors.gamification_on()
    return render(
        request,
        "activity/my_certificates.html",
        {
            "certificates": selectors.my_certificates(user=request.user),
            "gamification": gamification,
            "award_totals": selectors.award_totals(user=request.user) if gamification else [],
        },
    )


def _may_download(user, certificate):
    if certificate.learner_id == user.pk:
        return certificate.revoked_at is None
    return (
        can_manage_users(actor=user)
        and user.has_perm("activity.view_certificate")
        and can_edit_user(actor=user, target=certificate.learner)
    )


@login_required
def certificate_download(request, certificate_id):
    """The certificate PDF: a learner downloads their own, a manager anyone's they manage."""
    certificate = (
        Certificate.objects.select_related("learner", "content").filter(pk=certificate_id).first()
    )
    if certificate is None or not _may_download(request.user, certificate):
        raise Http404("No such certificate.")
    verify_url = request.build_absolute_uri(
        reverse("activity:verify", kwargs={"code": certificate.verification_code})
    )
    from .pdf import certificate_pdf  # WeasyPrint loads only when a PDF is asked for

    pdf = certificate_pdf(certificate=certificate, verify_url=verify_url)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.verification_code}.pdf"'
    )
    return response


def verify(request, code):
    """`/certificates/verify/<code>/`: public; says whether a certificate is valid."""
    certificate = selectors.certificate_by_code(code)
    if certificate is None:
        return render(request, "activity/verify_unknown.html", {"code": code[:40]}, status=404)
    return render(request, "activity/verify.html", {"certificate": certificate})
