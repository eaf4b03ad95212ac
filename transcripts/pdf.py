"""Transcript PDFs: WeasyPrint with the activity app's fetcher (our static files, nothing else).

WeasyPrint is imported only where a PDF is made, so web processes do not load it.
"""

from django.template.loader import render_to_string


def transcript_html(transcript):
    return render_to_string("transcripts/transcript_pdf.html", {"transcript": transcript})


def static_only_fetcher():
    from activity.pdf import StaticOnlyFetcher

    return StaticOnlyFetcher()


def render_pdf(html, *, url_fetcher=None):
    """PDF bytes for our HTML; every URL WeasyPrint wants goes through the locked-down fetcher."""
    from weasyprint import HTML

    from activity.pdf import BASE_URL

    fetcher = url_fetcher or static_only_fetcher()
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()


def transcript_pdf(transcript, *, url_fetcher=None):
    return render_pdf(transcript_html(transcript), url_fetcher=url_fetcher)
