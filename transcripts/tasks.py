from celery import shared_task

from .models import RENDER_SOFT_TIME_LIMIT, RENDER_TIME_LIMIT


@shared_task(
    name="transcripts.tasks.render_transcript_pdf",
    time_limit=RENDER_TIME_LIMIT,
    soft_time_limit=RENDER_SOFT_TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=True,
)
def render_transcript_pdf(export_id):
    """Render one queued transcript export (a no-op if it is already done or being done)."""
    from .services import export_render

    export_render(export_id=export_id)
