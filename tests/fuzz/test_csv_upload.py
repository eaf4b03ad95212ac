"""The learners CSV upload, fed malformed and hostile files: never a 500, never a partial write."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from batch import csv_rows
from tests.fuzz.conftest import fingerprint
from tests.fuzz.strategies import HOSTILE_EMAILS, HOSTILE_TEXT, dates, emails, numbers

pytestmark = pytest.mark.django_db

IMPORT_URL = "/manage/users/import/"
COLUMNS = [
    *csv_rows.COLUMNS,
    "grants",
    "ref:employee_id",
]

cell = st.one_of(
    st.sampled_from(HOSTILE_TEXT[:-2]),
    st.sampled_from(HOSTILE_EMAILS),
    st.sampled_from(["admin", "customer_service", "learner", "superuser", "Admin", ""]),
    emails,
    numbers,
    dates,
    st.text(max_size=30),
)


def quote(value):
    return '"' + value.replace('"', '""') + '"'


@st.composite
def csv_files(draw):
    header = draw(
        st.lists(st.one_of(st.sampled_from(COLUMNS), st.text(max_size=12)), min_size=0, max_size=8)
    )
    rows = draw(st.lists(st.lists(cell, max_size=len(header) + 2), max_size=6))
    separator = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    lines = [separator.join(quote(v) if draw(st.booleans()) else v for v in row) for row in rows]
    text = newline.join([separator.join(header), *lines])
    raw = text.encode("utf-8", "surrogatepass")
    mangle = draw(st.sampled_from(["none", "bom", "latin1", "truncate", "garbage", "utf16"]))
    if mangle == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif mangle == "latin1":
        raw = text.encode("latin-1", "replace")
    elif mangle == "truncate" and raw:
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif mangle == "garbage":
        raw += draw(st.binary(max_size=64))
    elif mangle == "utf16":
        raw = text.encode("utf-16")
    return raw


HOSTILE_FILES = [
    b"",
    b"\x00\x00\x00",
    b"email\nnul\x00@example.com\n",
    b'email,first_name\n"unterminated@example.com,Ann\n',
    b"email\n" + b"x" * 200_000 + b"@example.com\n",
    b"email,email\na@example.com,b@example.com\n",
    b"first_name\nAnn\n",
    b"email\n=cmd|' /C calc'!A0@example.com\n",
    b"\xff\xfe\x00e\x00m\x00a\x00i\x00l\x00",
    b"email\n\xc3\x28@example.com\n",
    b"email,role\nnew@example.com,superuser\n",
    b"email\n\xd0\xb0dmin@school.example\n",
    b"email\r\r\r\n\n\n",
    ",".join(["email"] + [f"c{i}" for i in range(5000)]).encode() + b"\n",
]


def upload(client, raw, *, dry_run, valid_rows_only):
    data = {"file": SimpleUploadedFile("learners.csv", raw, content_type="text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    if valid_rows_only:
        data["valid_rows_only"] = "on"
    with transaction.atomic():
        return client.post(IMPORT_URL, data)


@pytest.fixture
def importer(client, world):
    client.force_login(world.admin)
    return client


def check(client, raw, dry_run, valid_rows_only):
    before = fingerprint()
    response = upload(client, raw, dry_run=dry_run, valid_rows_only=valid_rows_only)
    assert response.status_code in (200, 400), response.status_code
    result = response.context.get("result") if response.context else None
    refused = result is None or response.context.get("refused_whole") or not result.ok
    if dry_run or (refused and not valid_rows_only):
        after = fingerprint()
        changed = {t for t in before if before[t] != after[t]}
        assert not changed, f"dry run or refused upload wrote to {changed}"


@pytest.mark.parametrize("raw", HOSTILE_FILES, ids=range(len(HOSTILE_FILES)))
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "import"])
def test_a_hostile_file_is_refused_or_imported_never_a_500(importer, raw, dry_run):
    check(importer, raw, dry_run, valid_rows_only=False)


@example(raw=b"email\nok@example.com\nbad\n", dry_run=False, valid_rows_only=False)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(raw=csv_files(), dry_run=st.booleans(), valid_rows_only=st.booleans())
def test_a_random_file_is_refused_or_imported_never_a_500(importer, raw, dry_run, valid_rows_only):
    check(importer, raw, dry_run, valid_rows_only)
