import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from access.models import Content
from access.selectors import has_access
from users import confirm
from users.record import record_context
from users.rules import can_edit_user, require_can_edit, withheld_from_export

from . import action_log, chart, reports, selectors, services
from .forms import (
    ActionLogFilterForm,
    ManualCompletionForm,
    ProgressFilterForm,
    ProgressResetForm,
    report_contents,
)

# The learner's side


def _accessible_content(request, slug):
    content = get_object_or_404(Content, slug=slug, is_published=True)
    if not has_access(request.user, content):
        raise Http404("No such content.")
    return content


@login_required
def learn(request, slug):
    """`/learn/<slug>/`: opening content records "viewed" (and "started" the first time)."""
    content = _accessible_content(request, slug)
    progress = services.content_open(learner=request.user, content=content)
    return render(request, "engagement/learn.html", {"content": content, "progress": progress})


@login_required
@require_POST
def learn_complete(request, slug):
    content = _accessible_content(request, slug)
    progress, certificate = services.content_complete(learner=request.user, content=content)
    if certificate is not None:
        messages.success(
            request, f"Well done: “{content}” is complete and your certificate is ready."
        )
    else:
        messages.success(request, f"“{content}” is complete.")
    return redirect("engagement:learn", slug=content.slug)


# The Engagement tab


def _tab_context(request, subject, *, choices=None, reset_form=None, completion_form=None):
    resettable, completable = choices or selectors.correction_choices(subject)
    contents = selectors.content_progress_page(subject, cursor=request.GET.get("cursor"))
    days = selectors.actions_per_day(subject)
    return {
        "report_links": report_links(subject.email),
        "can_edit": can_edit_user(actor=request.user, target=subject),
        "contents": contents.rows,
        "contents_page": contents,
        "paths": selectors.learning_path_progress(subject),
        "recent_actions": action_log.recent_actions(subject),
        "chart": chart.chart(days),
        "reset_form": reset_form or ProgressResetForm(contents=resettable, prefix="reset"),
        "completion_form": completion_form
        or ManualCompletionForm(contents=completable, prefix="complete"),
        "resettable": resettable,
        "completable": completable,
        "today": timezone.localdate(),
        "reset_confirm": RESET,
    }


def tab(request, user_id):
    """`/manage/users/<id>/engagement/`: progress, paths, recent actions, corrections."""
    subject, context = record_context(user_id, active_tab="Engagement")
    context.update(_tab_context(request, subject))
    return render(request, "engagement/tab.html", context)


RESET = {
    "title": "Reset progress in {item}?",
    "consequence": "The item goes back to not started for this learner. Its history stays in "
    "the log.",
}


def _correction(request, user_id, *, form_class, prefix, run, done, ask=None):
    """One correction of progress; `ask` (a permission) first asks for confirmation."""
    subject, context = record_context(user_id, active_tab="Engagement")
    resettable, completable = selectors.correction_choices(subject)
    choices = resettable if prefix == "reset" else completable
    form = form_class(request.POST, contents=choices, prefix=prefix)
    if form.is_valid():
        try:
            if ask and not confirm.is_confirmed(request):
                require_can_edit(actor=request.user, target=subject, permission=ask)
                return confirm.page(
                    request,
                    context,
                    texts=confirm.item_texts(RESET, form.cleaned_data["content"].title),
                    action=request.path,
                    cancel_url=reverse("engagement:tab", kwargs={"user_id": subject.pk}),
                    confirm_label="Reset progress",
                    form=form,
                    danger=True,
                )
            run(subject, form.cleaned_data)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except PermissionDenied as error:
            messages.error(request, str(error) or "You are not allowed to do this.")
            return redirect("engagement:tab", user_id=subject.pk)
        else:
            messages.success(request, done(form.cleaned_data))
            return redirect("engagement:tab", user_id=subject.pk)
    form_name = "reset_form" if prefix == "reset" else "completion_form"
    context.update(
        _tab_context(request, subject, choices=(resettable, completable), **{form_name: form})
    )
    return render(request, "engagement/tab.html", context, status=400)


@require_POST
def progress_reset(request, user_id):
    return _correction(
        request,
        user_id,
        form_class=ProgressResetForm,
        prefix="reset",
        run=lambda subject, data: services.progress_reset(
            learner=subject, content=data["content"], actor=request.user, reason=data["reason"]
        ),
        done=lambda data: f"Progress in “{data['content'].title}” is reset to not started.",
        ask="engagement.reset_progress",
    )


@require_POST
def progress_complete(request, user_id):
    return _correction(
        request,
        user_id,
        form_class=ManualCompletionForm,
        prefix="complete",
        run=lambda subject, data: services.progress_complete_manually(
            learner=subject,
            content=data["content"],
            actor=request.user,
            completed_on=data["completed_on"],
            reason=data["reason"],
        ),
        done=lambda data: (
            f"“{data['content'].title}” is marked complete on {data['completed_on']:%Y-%m-%d}."
        ),
    )


# The reports


class _Echo:
    def write(self, value):
        return value


def _csv_response(filename, header, rows):
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _report(request, *, form_class, page, export, header, filename, template):
    form = form_class(request.GET or None, contents=report_contents())
    filters = None
    if not form.is_bound:
        filters = reports.Filters()
    elif form.is_valid():
        filters = form.filters()
    if request.GET.get("export") == "csv" and filters is not None:
        withheld = withheld_from_export(actor=request.user)
        return _csv_response(filename, header, export(filters, withheld=withheld))
    results = page(filters, cursor=request.GET.get("cursor"))
    query = request.GET.copy()
    query.pop("cursor", None)
    query["export"] = "csv"
    return render(
        request,
        template,
        {"form": form, "page": results, "rows": results.rows, "export_query": query.urlencode()},
        status=200 if filters is not None else 400,
    )


def content_actions_report(request):
    """`/manage/reports/content-actions/`: the content actions log, filtered, CSV export."""
    return _report(
        request,
        form_class=ActionLogFilterForm,
        page=action_log.action_log_page,
        export=action_log.action_log_export,
        header=reports.ACTION_LOG_HEADER,
        filename="content-actions.csv",
        template="engagement/content_actions.html",
    )


def learner_progress_report(request):
    """`/manage/reports/learner-progress/`: Learner Content & Progress Details."""
    return _report(
        request,
        form_class=ProgressFilterForm,
        page=reports.learner_progress_page,
        export=reports.learner_progress_export,
        header=reports.PROGRESS_HEADER,
        filename="learner-progress.csv",
        template="engagement/learner_progress.html",
    )


def report_links(email):
    """The two reports' URLs pre-filtered for one e-mail."""
    query = urlencode({"email": email})
    return {
        "content_actions": f"{reverse('engagement:content_actions')}?{query}",
        "learner_progress": f"{reverse('engagement:learner_progress')}?{query}",
    }
