"""The app's Celery tasks, for autodiscovery; each lives next to the code it runs."""

from .outbox import deliver_email, sweep_outbox  # noqa: F401
