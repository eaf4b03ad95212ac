"""The transcripts app's part of a privacy request (privacy/services.py runs it)."""

from django.db import transaction

from privacy.rows import plain_rows
from transcripts.models import TranscriptExport


def export(user):
    """The list of transcript PDF exports (the transcript itself is the activity and progress)."""
    return {
        "transcript_exports": plain_rows(
            TranscriptExport.objects.filter(learner=user).order_by("created_at", "id"),
            "status",
            "include_in_progress",
            "created_at",
            "finished_at",
            requested_by="requested_by__email",
        ),
    }


def erase(user):
    """Stored transcript PDFs carry the learner's name: delete the files and their rows."""
    exports = list(TranscriptExport.objects.filter(learner=user).exclude(file=""))
    names = [export.file.name for export in exports]
    storage = TranscriptExport._meta.get_field("file").storage
    deleted, _ = TranscriptExport.objects.filter(learner=user).delete()

    def remove_files():
        for name in names:
            storage.delete(name)

    transaction.on_commit(remove_files)
    return {"transcript_exports_deleted": deleted, "transcript_files_deleted": len(names)}
