"""Import learners from a CSV upload (/manage/users/import/)."""

import io

from django import forms
from django.shortcuts import render

from . import field_columns, importing
from .csv_rows import BUILTIN_COLUMNS

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
ERRORS_SHOWN = 1000


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, first row naming the columns: email (required), first_name, last_name, "
        "phone, street, city, region, postal_code, country, role, grants, and a column per "
        "learner field named by its key.",
    )
    dry_run = forms.BooleanField(
        label="Only check the file (write nothing)", required=False, initial=True
    )
    valid_rows_only = forms.BooleanField(
        label="Import valid rows only (skip rows with errors)", required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "The file is larger than 50 MB: use the import_users command."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


def _columns():
    """The school's learner fields and the column each goes by, for the page's column list."""
    fields = field_columns.active(field_columns.all_fields())
    names = field_columns.export_header(fields, BUILTIN_COLUMNS)
    return {"field_columns": list(zip(names, fields, strict=True))}


def upload(request):
    """GET: the upload form. POST: check (and import) the file, then list what happened."""
    if request.method != "POST":
        return render(request, "batch/import_upload.html", {"form": ImportForm(), **_columns()})
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "batch/import_upload.html", {"form": form})
    data = form.cleaned_data
    stream = io.TextIOWrapper(data["file"].file, encoding="utf-8-sig", newline="")
    try:
        result = importing.import_users(
            stream,
            actor=request.user,
            dry_run=data["dry_run"],
            valid_rows_only=data["valid_rows_only"],
            source=f"CSV upload ({data['file'].name[:100]})",
        )
    except importing.ImportRefused as refused:
        result = importing.ImportResult(errors=refused.errors, dry_run=data["dry_run"])
        refused_whole = True
    else:
        refused_whole = False
    return render(
        request,
        "batch/import_result.html",
        {
            "form": ImportForm(initial={"dry_run": False}) if result.ok else form,
            "result": result,
            "refused_whole": refused_whole,
            "errors": result.errors[:ERRORS_SHOWN],
            "more_errors": max(0, len(result.errors) - ERRORS_SHOWN),
            "file_name": data["file"].name,
        },
    )
