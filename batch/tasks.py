"""The app's Celery tasks, for autodiscovery; each lives next to the code it runs."""

from .bulk import run_bulk_job  # noqa: F401
