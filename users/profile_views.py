"""The learner's own answers: the onboarding survey (`/my/survey/`, asked once after the first
sign-in) and My profile (`/my/profile/`: custom inputs to edit, reference fields and survey
answers to read). Both save through users/field_services.py, audited as the learner's own.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from . import field_services, field_types
from .answer_forms import AnswerForm
from .models import ProfileField
from .rules import can_manage_users

Kind = ProfileField.Kind
ALREADY_DONE = "You have already answered the onboarding survey."


def survey_url(next_url=""):
    """The survey's address, carrying where to go once it is answered."""
    url = reverse("users:survey")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _next(request):
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else ""


@login_required
def survey(request):
    """`/my/survey/`: the onboarding survey's questions in order; "Skip for now" only when
    none is required. Answered or skipped, it is not asked again."""
    if can_manage_users(actor=request.user):
        return redirect("home")
    if request.user.survey_done_at is not None:
        messages.info(request, ALREADY_DONE)
        return redirect("home")
    questions = field_services.asked(Kind.SURVEY)
    if not questions:
        return redirect(_next(request) or "home")
    skipped = request.method == "POST" and "skip" in request.POST
    answering = request.method == "POST" and not skipped
    form = AnswerForm(questions, request.POST if answering else None)
    if skipped or (answering and form.is_valid()):
        try:
            field_services.survey_complete(
                user=request.user,
                actor=request.user,
                answers={} if skipped else form.answers(),
                skipped=skipped,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(survey_url(_next(request)))
        messages.success(
            request, "Skipped: we will not ask again." if skipped else "Thank you for answering."
        )
        return redirect(_next(request) or "home")
    context = {
        "form": form,
        "skippable": not any(question.required for question in questions),
        "next": _next(request),
    }
    return render(request, "users/survey.html", context, status=400 if form.errors else 200)


@login_required
def my_profile(request):
    """`/my/profile/`: the learner's name and e-mail, the reference fields they may see and
    their survey answers (read-only), and their custom sign-up inputs to edit."""
    user = request.user
    fields = list(
        ProfileField.objects.filter(retired_at__isnull=True).exclude(
            kind=Kind.REFERENCE, learner_visible=False
        )
    )
    stored = field_services.stored_answers(user, fields)
    inputs = [field for field in fields if field.kind == Kind.CUSTOM_INPUT]
    form = AnswerForm(inputs, request.POST or None, stored=stored)
    if request.method == "POST" and form.is_valid():
        changes = field_services.answers_save(user=user, actor=user, answers=form.answers())
        if changes:
            messages.success(request, "Saved.")
        else:
            messages.info(request, "Nothing changed.")
        return redirect("users:my_profile")
    survey_asked = any(field.kind == Kind.SURVEY for field in fields)
    context = {
        "form": form,
        "references": _shown(fields, stored, Kind.REFERENCE),
        "survey_asked": survey_asked,
        "survey_answers": [row for row in _shown(fields, stored, Kind.SURVEY) if row[1]],
        "survey_pending": survey_asked
        and user.survey_done_at is None
        and not can_manage_users(actor=user),
    }
    return render(request, "users/my_profile.html", context, status=400 if form.errors else 200)


def _shown(fields, stored, kind):
    """[(field, words, answered_at)] for the fields of one kind, in order."""
    rows = []
    for field in fields:
        if field.kind == kind:
            value = stored.get(field.pk)
            text = field_types.shown(field, value.value) if value else ""
            rows.append((field, text, value.answered_at if value else None))
    return rows
