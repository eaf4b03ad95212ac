"""What bench/search.py and bench/record_tabs.py do first: Django as in production (DEBUG off)
against DATABASE_URL, static files collected once, and the percentile they report."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC_ROOT = Path(tempfile.gettempdir()) / "lms-bench-static"


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    os.environ.update(
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" + "k" * 60),
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
    )
    import django

    django.setup()


def collect_static():
    """The manifest storage needs collected files to render a page with DEBUG off."""
    from django.conf import settings
    from django.core.management import call_command

    STATIC_ROOT.mkdir(exist_ok=True)
    settings.STATIC_ROOT = STATIC_ROOT
    call_command("collectstatic", "--noinput", verbosity=0)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]
