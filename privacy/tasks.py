from celery import shared_task

from .services import process_due_erasures


@shared_task
def process_erasures():
    """Daily: erase the learners whose cancel window has passed."""
    return process_due_erasures()
