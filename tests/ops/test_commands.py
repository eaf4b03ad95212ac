"""Ops commands: each succeeds, and bad input is a clear error with a non-zero exit."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.utils import timezone

from access.models import AccessGrant
from tests.access.factories import ContentFactory
from tests.factories import AdminFactory, LearnerFactory
from users.models import AuditEvent, Invitation, User, UserSession

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
OPS_COMMANDS = ["disable_user", "enable_user", "resend_invites", "export_users", "import_users"]


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", OPS_COMMANDS)
def test_every_command_explains_itself(name):
    command = load_command_class(get_commands()[name], name)
    text = command.create_parser("manage.py", name).format_help()
    assert command.help and command.help.split()[0] in text


@pytest.mark.parametrize(
    "args,code,message",
    [
        (["import_users", "/no/such/file.csv"], 1, "No such file: /no/such/file.csv"),
        (["disable_user"], 2, "the following arguments are required: email"),
        (["resend_invites"], 1, "Say which invitations to resend: --pending."),
        (["export_users", "--output", "/no/such/dir/x.csv"], 1, "Cannot write"),
    ],
)
def test_bad_input_exits_non_zero_from_the_shell(args, code, message):
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == code
    assert message in done.stderr


class TestDisableEnable:
    def test_disable_by_email_any_case_ends_sessions_and_is_audited(self, client):
        learner = LearnerFactory(email="ann@example.com")
        client.force_login(learner)
        out, _ = run("disable_user", "ANN@example.com", "--reason", "Left the company")
        assert "ann@example.com is disabled" in out
        learner.refresh_from_db()
        assert not learner.is_active
        assert not UserSession.objects.filter(user_id=learner.pk).exists()
        event = AuditEvent.objects.get(subject=learner)
        assert (event.action, event.actor_label, event.note) == (
            "user.disabled",
            "system",
            "Left the company",
        )

    def test_disable_twice_says_so(self):
        LearnerFactory(email="ann@example.com", is_active=False)
        out, _ = run("disable_user", "ann@example.com")
        assert "already disabled" in out and not AuditEvent.objects.exists()

    def test_enable(self):
        learner = LearnerFactory(email="ann@example.com", is_active=False)
        out, _ = run("enable_user", "ann@example.com")
        assert "is enabled" in out
        learner.refresh_from_db()
        assert learner.is_active
        assert AuditEvent.objects.get(subject=learner).action == "user.enabled"

    @pytest.mark.parametrize("name", ["disable_user", "enable_user"])
    def test_unknown_email_is_an_error(self, name):
        with pytest.raises(CommandError, match="No user has the e-mail address 'nobody@x.ex'"):
            run(name, "nobody@x.ex")

    def test_too_long_reason_is_an_error(self):
        LearnerFactory(email="ann@example.com")
        with pytest.raises(CommandError, match="at most 500"):
            run("disable_user", "ann@example.com", "--reason", "x" * 501)
        assert User.objects.get(email="ann@example.com").is_active


class TestResendInvites:
    def test_pending_users_are_invited_once_each(self, django_capture_on_commit_callbacks):
        pending = LearnerFactory(email="new@example.com")
        LearnerFactory(email="seen@example.com", last_login=timezone.now())
        LearnerFactory(email="off@example.com", is_active=False)
        LearnerFactory(email="done@example.com", invite_accepted_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            out, _ = run("resend_invites", "--pending", "--base-url", "https://school.example")
        assert "1 users invited." in out
        assert [message.to for message in mail.outbox] == [["new@example.com"]]
        assert "https://school.example/invite/" in mail.outbox[0].body
        assert Invitation.objects.get().user == pending
        assert AuditEvent.objects.get(subject=pending).action == "invite.sent"

    def test_dry_run_sends_nothing(self):
        LearnerFactory(email="new@example.com")
        out, _ = run("resend_invites", "--pending", "--dry-run")
        assert "Would invite new@example.com" in out
        assert not Invitation.objects.exists()

    @pytest.mark.parametrize("url", ["", "school.example", "ftp://school.example"])
    def test_a_base_url_is_required(self, url):
        LearnerFactory(email="new@example.com")
        with pytest.raises(CommandError, match="--base-url"):
            run("resend_invites", "--pending", "--base-url", url)
        assert not Invitation.objects.exists()


class TestExportUsers:
    def test_to_a_file(self, tmp_path):
        LearnerFactory(email="ann@example.com", first_name="Ann")
        LearnerFactory(email="off@example.com", is_active=False)
        target = tmp_path / "users.csv"
        out, _ = run("export_users", "--output", str(target))
        assert "1 users exported" in out
        rows = list(csv.DictReader(target.open(encoding="utf-8")))
        assert [(row["email"], row["first_name"]) for row in rows] == [("ann@example.com", "Ann")]

    def test_to_stdout_with_filters(self):
        LearnerFactory(email="maria@example.com", first_name="Maria", is_active=False)
        LearnerFactory(email="john@example.com", is_active=False)
        out, err = run("export_users", "--disabled", "--query", "maria")
        assert [row["email"] for row in csv.DictReader(io.StringIO(out))] == ["maria@example.com"]
        assert "1 users exported" in err

    def test_too_long_query_is_an_error(self):
        with pytest.raises(CommandError, match="--query"):
            run("export_users", "--query", "x" * 201)


class TestImportUsers:
    def test_imports_and_prints_progress_and_a_summary(self, csv_file):
        ContentFactory(slug="intro")
        path = csv_file(
            "email,first_name,grants", "ann@example.com,Ann,intro", "bo@example.com,Bo,"
        )
        out, _ = run("import_users", path)
        assert "Read 2 rows" in out
        assert "Imported. 2 rows: 2 new, 0 changed, 0 unchanged, 1 content grants." in out
        assert AccessGrant.objects.get().user.email == "ann@example.com"

    def test_errors_are_listed_and_nothing_is_written(self, csv_file):
        path = csv_file("email,role", "ann@example.com,admin", "bad,boss")
        with pytest.raises(CommandError, match="2 errors; nothing was written"):
            run("import_users", path)
        assert not User.objects.exists()

    def test_errors_go_to_stderr_by_row_and_column(self, csv_file):
        path = csv_file("email,role", "ann@example.com,admin", "bad,boss")
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("import_users", path, stdout=io.StringIO(), stderr=err)
        assert err.getvalue().splitlines() == [
            "row 3, email: 'bad' is not an e-mail address.",
            "row 3, role: Use learner, customer_service or admin (or leave empty).",
        ]

    def test_dry_run(self, csv_file):
        AdminFactory(email="boss@school.example")
        path = csv_file("email,first_name", "boss@school.example,Boss", "new@example.com,New")
        out, _ = run("import_users", path, "--dry-run")
        assert "Dry run, nothing written. 2 rows: 1 new, 1 changed" in out
        assert User.objects.count() == 1

    def test_dry_run_with_errors_exits_non_zero(self, csv_file):
        with pytest.raises(CommandError, match="1 errors: fix them"):
            run("import_users", csv_file("email", "bad"), "--dry-run")

    def test_valid_rows_only(self, csv_file):
        path = csv_file("email", "ann@example.com", "bad")
        out, err = run("import_users", path, "--valid-rows-only")
        assert "1 new" in out and "1 rows with errors" in out
        assert "row 3, email" in err
        assert User.objects.get().email == "ann@example.com"

    def test_a_bad_header_is_refused(self, csv_file):
        with pytest.raises(CommandError, match="not imported"):
            run("import_users", csv_file("mail,name", "a@example.com,A"))
