"""Certificate PDFs: WeasyPrint renders our HTML template, fetching only our own static files."""

import mimetypes
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

BASE_URL = "https://certificate.invalid/"


class StaticOnlyFetcher(URLFetcher):
    """Hand WeasyPrint our shipped static files; refuse every other URL (network, disk, data:)."""

    def fetch(self, url, headers=None):
        static_prefix = urljoin(BASE_URL, settings.STATIC_URL)
        if not url.startswith(static_prefix):
            raise ValueError(f"Refused to fetch {url!r}: only our static files are allowed.")
        relative = unquote(urlsplit(url).path[len(urlsplit(static_prefix).path) :])
        parts = PurePosixPath(relative).parts
        if not parts or ".." in parts or relative.startswith("/"):
            raise ValueError(f"Refused to fetch {url!r}.")
        found = finders.find(relative)
        if not found:
            raise ValueError(f"No static file {relative!r}.")
        with open(found, "rb") as handle:
            body = handle.read()
        mime_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": mime_type})


def certificate_html(*, certificate, verify_url):
    return render_to_string(
        "activity/certificate_pdf.html",
        {"certificate": certificate, "learner": certificate.learner, "verify_url": verify_url},
    )


def certificate_pdf(*, certificate, verify_url):
    """The certificate as PDF bytes (one A4 landscape page)."""
    html = certificate_html(certificate=certificate, verify_url=verify_url)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf()
