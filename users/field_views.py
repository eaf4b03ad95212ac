"""Settings > Learner fields (Admins): the school's reference fields, custom sign-up inputs and
onboarding survey questions; add, edit, reorder, retire, restore and delete them.

Every change goes through users/field_services.py (permission, one transaction, one audit event);
these views parse the form, call it and say what happened.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import confirm, field_services
from .field_forms import LearnerFieldForm
from .models import ProfileField

Kind = ProfileField.Kind
LIST = "users:learner_fields"


def _answered():
    """Every learner field with `answered`, how many learners have a value for it."""
    return ProfileField.objects.annotate(answered=Count("values"))


def field_list(request):
    """The three sections, each its fields in order (one query for all of them)."""
    fields = list(_answered().order_by("kind", "position", "id"))
    sections = [
        {"kind": kind, "fields": [field for field in fields if field.kind == kind]}
        for kind in (Kind.REFERENCE, Kind.CUSTOM_INPUT, Kind.SURVEY)
    ]
    context = {"sections": sections, "delete_confirm": delete_texts()}
    return render(request, "users/fields/list.html", context)


@require_http_methods(["GET", "POST"])
def field_add(request):
    """Define a new field, placed last in its section."""
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in Kind.values else {}
    form = LearnerFieldForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            field = field_services.field_create(
                actor=request.user, kind=data["kind"], key=data["key"], **form.values()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved: “{field.label}” added ({field.get_kind_display()}).")
            return redirect(LIST)
    status = 400 if form.errors else 200
    return render(request, "users/fields/form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def field_edit(request, learner_field_id):
    """Change a field's definition; its key and kind stay as they are."""
    field = get_object_or_404(_answered(), pk=learner_field_id)
    form = LearnerFieldForm(request.POST or None, field=field)
    if request.method == "POST" and form.is_valid():
        try:
            field, changes = field_services.field_update(
                actor=request.user, field=field, values=form.values()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if changes:
                names = ", ".join(form.changed_names(changes))
                messages.success(request, f"Saved “{field.label}”: {names} changed.")
            else:
                messages.info(request, f"Nothing changed: “{field.label}” was as saved.")
            return redirect(LIST)
    status = 400 if form.errors else 200
    retired = [choice["label"] for choice in field.choices if choice.get("retired")]
    context = {"form": form, "field": field, "retired_choices": retired}
    return render(request, "users/fields/form.html", context, status=status)


@require_POST
def field_move(request, learner_field_id, offset):
    """Move a field one place up (-1) or down (+1) in its section."""
    field = get_object_or_404(ProfileField, pk=learner_field_id)
    direction = "up" if offset < 0 else "down"
    if field_services.field_move(actor=request.user, field=field, offset=offset):
        messages.success(request, f"Moved “{field.label}” {direction}.")
    else:
        end = "first" if offset < 0 else "last"
        messages.info(request, f"“{field.label}” is already {end}. Nothing changed.")
    return redirect(LIST)


@require_POST
def field_retire(request, learner_field_id, retired):
    """Retire a field (no longer asked or edited; its values kept) or restore it."""
    field = get_object_or_404(ProfileField, pk=learner_field_id)
    done = field_services.field_retire(actor=request.user, field=field, retired=retired)
    if done and retired:
        messages.success(
            request, f"Retired “{field.label}”: no longer asked or edited; its values are kept."
        )
    elif done:
        messages.success(request, f"Restored “{field.label}”: it is asked and edited again.")
    else:
        state = "retired" if retired else "in use"
        messages.info(request, f"“{field.label}” was already {state}. Nothing changed.")
    return redirect(LIST)


@require_POST
def field_delete(request, learner_field_id):
    """Delete a field no learner has a value for, once confirmed (in the dialog, or on a page
    for browsers without JavaScript)."""
    field = get_object_or_404(ProfileField, pk=learner_field_id)
    if not confirm.is_confirmed(request):
        texts = confirm.item_texts(delete_texts(), field.label)
        context = {**texts, "action": request.path, "confirm_label": "Delete field"}
        return render(request, "users/fields/confirm_delete.html", context)
    try:
        field_services.field_delete(actor=request.user, field=field)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Deleted “{field.label}”.")
    return redirect(LIST)


def delete_texts():
    """The delete dialog's words; "{item}" names the field of the row."""
    return {
        "title": "Delete the learner field “{item}”?",
        "consequence": "It disappears from every form, list, import and export. A field "
        "learners have a value for cannot be deleted: retire it instead, which keeps the values.",
    }
