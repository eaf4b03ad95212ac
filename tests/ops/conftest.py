import io
from pathlib import Path

import pytest

from lms.management.commands.import_users import content_grants
from users import importing

OPS_URLS = "lms.urls"
IMPORT_URL = "/manage/users/import/"
EXPORT_URL = "/manage/users/learners/export.csv"


@pytest.fixture
def no_grants():
    """No `grants` column handler registered (as in a users-only deployment)."""
    previous = dict(importing.GRANT_HANDLERS)
    importing.GRANT_HANDLERS.clear()
    yield
    importing.GRANT_HANDLERS.update(previous)


@pytest.fixture
def grants():
    """The access-backed `grants` column, registered as lms registers it at start-up."""
    handler = content_grants()
    previous = dict(importing.GRANT_HANDLERS)
    importing.register_grant_handler(handler)
    yield handler
    importing.GRANT_HANDLERS.clear()
    importing.GRANT_HANDLERS.update(previous)


def csv_text(*lines):
    return "\n".join(lines) + "\n"


def run_import(text, *, actor=None, grants=None, **options):
    return importing.import_users(io.StringIO(text), actor=actor, grants=grants, **options)


@pytest.fixture
def csv_file(tmp_path):
    def write(*lines, name="users.csv", encoding="utf-8"):
        path = Path(tmp_path) / name
        path.write_text(csv_text(*lines), encoding=encoding)
        return str(path)

    return write
