"""Celery task of the bulk actions (a thin wrapper over batch.bulk)."""

from celery import shared_task

from . import bulk


@shared_task(acks_late=True)
def run_bulk_job(job_id):
    """Apply a large bulk action learner by learner, writing progress as it goes."""
    job = bulk.bulk_job_run(job_id=job_id)
    return None if job is None else {"done": job.done, "failed": job.failed}
