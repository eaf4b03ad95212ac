"""WeasyPrint may read only our own static files: learner-controlled text cannot pull in more."""

import io

import pytest
from pypdf import PdfReader

from activity.pdf import BASE_URL, StaticOnlyFetcher
from tests.factories import LearnerFactory
from tests.transcripts.factories import CompletedFactory
from transcripts import selectors
from transcripts.pdf import render_pdf, transcript_pdf

pytestmark = pytest.mark.django_db

PASSWD_LINE = "root:x:0:0"
METADATA = "http://169.254.169.254/latest/meta-data/"
HOSTILE = [
    '<img src="file:///etc/passwd">',
    f'<img src="{METADATA}">',
    '<link rel="stylesheet" href="file:///etc/passwd">',
    f"<style>@import url({METADATA}); body {{ background: url(file:///etc/passwd) }}</style>",
    '<object data="file:///etc/passwd"></object>',
    '<iframe src="file:///etc/passwd"></iframe>',
]


class RecordingFetcher(StaticOnlyFetcher):
    """Our real fetcher, noting every URL WeasyPrint asks for and whether it was refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked, self.refused = [], []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        try:
            return super().fetch(url, headers)
        except ValueError:
            self.refused.append(url)
            raise


def text_of(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://169.254.169.254/",
        "https://example.com/static/x.css",
        "data:text/plain,hello",
        f"{BASE_URL}static/../../etc/passwd",
        f"{BASE_URL}static/%2e%2e/%2e%2e/etc/passwd",
        f"{BASE_URL}etc/passwd",
        "ftp://certificate.invalid/static/transcripts/transcript_pdf.css",
    ],
)
def test_the_fetcher_refuses_everything_but_our_static_files(url):
    with pytest.raises(ValueError):
        StaticOnlyFetcher().fetch(url)


def test_the_fetcher_serves_our_stylesheet():
    response = StaticOnlyFetcher().fetch(f"{BASE_URL}static/transcripts/transcript_pdf.css")
    assert b"DejaVu Sans" in response.read()


def test_hostile_learner_name_and_titles_do_not_get_in():
    learner = LearnerFactory(first_name="".join(HOSTILE[:3]), last_name="Mallory")
    for n, title in enumerate(HOSTILE):
        CompletedFactory(learner=learner, content__title=f"{title} Course {n}")
    fetcher = RecordingFetcher()

    data = transcript_pdf(selectors.transcript(learner), url_fetcher=fetcher)

    text = text_of(data)
    assert PASSWD_LINE not in text
    assert "Mallory" in text
    assert "file:///etc/passwd" in text  # shown as the text the learner typed, not fetched
    assert all(url.startswith(f"{BASE_URL}static/") for url in fetcher.asked), fetcher.asked
    assert fetcher.refused == []


def test_even_unescaped_markup_cannot_read_files_or_the_network():
    """Were escaping ever lost, the fetcher still refuses: tags and CSS url() alike."""
    html = (
        "<html><body><p>Before</p>"
        + "".join(HOSTILE)
        + '<div style="background-image: url(file:///etc/passwd)">x</div>'
        + f'<div style="background-image: url({METADATA})">y</div>'
        + "<p>After</p></body></html>"
    )
    fetcher = RecordingFetcher()

    data = render_pdf(html, url_fetcher=fetcher)

    text = text_of(data)
    assert "Before" in text and "After" in text
    assert PASSWD_LINE not in text
    assert "file:///etc/passwd" in fetcher.refused
    assert any(url.startswith("http://169.254.169.254/") for url in fetcher.refused)
    assert set(fetcher.asked) == set(fetcher.refused)


def test_the_transcript_uses_the_shipped_font():
    learner = LearnerFactory(first_name="Zoë", last_name="Ångström")
    CompletedFactory(learner=learner, content__title="Überblick: Ça va")
    data = transcript_pdf(selectors.transcript(learner))
    reader = PdfReader(io.BytesIO(data))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("DejaVu-Sans" in name for name in fonts), fonts
    text = text_of(data)
    assert "Zoë Ångström" in text and "Überblick: Ça va" in text
