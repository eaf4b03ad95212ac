import os

from celery import Celery

from lms.logging import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")

app = Celery("lms")
connect_celery_signals()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
