"""The import upload page and the learners CSV export (both under the /manage/ gate)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from access.models import AccessGrant
from access.services import access_grant
from tests.access.factories import ContentFactory
from tests.factories import LearnerFactory
from tests.ops.conftest import EXPORT_URL, IMPORT_URL, OPS_URLS, csv_text
from users.models import AuditEvent, User

pytestmark = [pytest.mark.django_db, pytest.mark.urls(OPS_URLS)]


def upload(client, text, *, dry_run=False, valid_rows_only=False, raw=None):
    data = {"file": SimpleUploadedFile("learners.csv", raw if raw is not None else text.encode())}
    if dry_run:
        data["dry_run"] = "on"
    if valid_rows_only:
        data["valid_rows_only"] = "on"
    return client.post(IMPORT_URL, data)


class TestUploadPage:
    def test_the_form_has_labelled_fields_and_explains_the_columns(self, admin_client):
        page = admin_client.get(IMPORT_URL).content.decode()
        assert "<h1>Import learners</h1>" in page
        for label in (
            "CSV file",
            "Only check the file (write nothing)",
            "Import valid rows only (skip rows with errors)",
        ):
            assert f">{label}</label>" in page or f" {label}</label>" in page
        assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page
        assert "ref:&lt;key&gt;" in page

    def test_anonymous_signs_in_and_learners_are_refused(self, client, learner):
        assert client.get(IMPORT_URL).url.startswith("/sign_in?next=")
        client.force_login(learner)
        assert client.post(IMPORT_URL).status_code == 403

    def test_check_only_writes_nothing(self, admin_client):
        page = upload(admin_client, csv_text("email", "ann@example.com"), dry_run=True)
        assert "The file is valid (1 rows): importing it would add 1 new" in page.content.decode()
        assert not User.objects.filter(email="ann@example.com").exists()

    def test_import_creates_learners_as_the_admin(self, admin_client, admin_user, grants):
        ContentFactory(slug="intro")
        response = upload(
            admin_client, csv_text("email,first_name,grants", "ann@example.com,Ann,intro")
        )
        assert response.status_code == 200
        assert "Imported: 1 new, 0 changed, 0 unchanged, 1 content grants." in (
            response.content.decode()
        )
        ann = User.objects.get(email="ann@example.com")
        assert AuditEvent.objects.get(subject=ann, action="user.created").actor == admin_user
        assert AccessGrant.objects.get(user=ann).granted_by == admin_user

    def test_errors_are_a_table_by_row_and_column_and_nothing_is_written(self, admin_client):
        response = upload(admin_client, csv_text("email,phone", "ann@example.com,", "bad,call me"))
        page = response.content.decode()
        assert response.status_code == 200
        assert "2 errors in 1 of 2 rows, so nothing was written." in page
        assert "<td>3</td><td>email</td><td>&#x27;bad&#x27; is not an e-mail address.</td>" in page
        assert "<td>3</td><td>phone</td>" in page
        assert not User.objects.filter(email="ann@example.com").exists()

    def test_valid_rows_only(self, admin_client):
        response = upload(
            admin_client, csv_text("email", "ann@example.com", "bad"), valid_rows_only=True
        )
        assert "1 rows with errors were skipped" in response.content.decode()
        assert User.objects.filter(email="ann@example.com").exists()

    def test_support_may_not_give_the_admin_role(self, support_client):
        LearnerFactory(email="ann@example.com")
        page = upload(support_client, csv_text("email,role", "ann@example.com,admin")).content
        assert "<td>2</td><td>role</td><td>You may not give this role.</td>" in page.decode()

    @pytest.mark.parametrize(
        "raw,message",
        [
            (None, "This field is required."),
            (b"", "The submitted file is empty."),
            ("email\na@example.com,Jos\xe9\n".encode("latin-1"), "The file is not UTF-8 text."),
            (b"nickname\nx\n", "Unknown column"),
            (b"email\n" + b"a" * 200_000 + b"\n", "not valid CSV"),
        ],
    )
    def test_bad_files_are_explained_never_a_500(self, admin_client, raw, message):
        if raw is None:
            response = admin_client.post(IMPORT_URL, {})
        else:
            response = upload(admin_client, "", raw=raw)
        assert response.status_code == 200
        assert message in response.content.decode()


class TestExport:
    def test_streams_the_current_search_as_csv(self, admin_client):
        LearnerFactory(email="maria@example.com", first_name="Maria")
        LearnerFactory(email="john@example.com", first_name="John")
        response = admin_client.get(EXPORT_URL, {"q": "maria"})
        assert response.status_code == 200 and response.streaming
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="learners-')
        text = b"".join(response.streaming_content).decode()
        assert [row["email"] for row in csv.DictReader(io.StringIO(text))] == ["maria@example.com"]

    def test_disabled_learners(self, admin_client):
        LearnerFactory(email="off@example.com", is_active=False)
        response = admin_client.get(EXPORT_URL, {"disabled": "1"})
        assert 'filename="disabled-learners-' in response["Content-Disposition"]
        assert b"off@example.com" in b"".join(response.streaming_content)

    def test_gated(self, client, learner):
        assert client.get(EXPORT_URL).url.startswith("/sign_in?next=")
        client.force_login(learner)
        assert client.get(EXPORT_URL).status_code == 403

    def test_a_huge_query_is_cut_not_a_500(self, admin_client):
        response = admin_client.get(EXPORT_URL, {"q": "x" * 10_000})
        assert response.status_code == 200
        assert b"".join(response.streaming_content).count(b"\n") == 1


def test_an_import_says_which_grants_opened_nothing(admin_client, grants):
    """Granting content a learner already holds changes nothing, and the page says so."""
    course = ContentFactory(slug="intro")
    access_grant(user=LearnerFactory(email="ann@example.com"), item=course, actor=None)
    LearnerFactory(email="bob@example.com")
    upload = SimpleUploadedFile(
        "grants.csv", b"email,grants\nann@example.com,intro\nbob@example.com,intro\n"
    )
    response = admin_client.post(IMPORT_URL, {"file": upload})
    page = response.content.decode()
    assert "0 new, 0 changed, 2 unchanged, 2 content grants." in page
    assert "1 of them the learner already held: nothing changed for those." in page
