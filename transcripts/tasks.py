"""The app's Celery tasks, for autodiscovery; each lives next to the service it runs."""

from .services import render_transcript_pdf  # noqa: F401
