import io
from pathlib import Path

import pytest

from batch import grants as content
from batch import importing

OPS_URLS = "lms.urls"
IMPORT_URL = "/manage/users/import/"
EXPORT_URL = "/manage/users/learners/export.csv"


@pytest.fixture
def grants():
    """The access-backed `grants` column (batch/grants.py), as imports and exports use it."""
    return content


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
