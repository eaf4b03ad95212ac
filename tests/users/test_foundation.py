"""Roles, the audit log, Django admin, ops commands and production settings."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from tests.factories import LearnerFactory, SuperuserFactory
from users import audit
from users.models import AuditEvent, ProfileField, ProfileValue, User
from users.roles import Role, role_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
class TestRoles:
    def test_role_groups_and_their_permissions(self):
        admin = set(Group.objects.get(name="Admin").permissions.values_list("codename", flat=True))
        support = set(
            Group.objects.get(name="Customer Service").permissions.values_list(
                "codename", flat=True
            )
        )
        assert {"manage_users", "impersonate_users", "delete_user", "add_user"} <= admin
        assert {"manage_users", "impersonate_users", "change_user"} <= support
        assert "delete_user" not in support and "add_user" not in support

    def test_role_of_each_kind_of_user(self, admin_user, support_user, learner):
        assert role_of(admin_user) == Role.ADMIN
        assert role_of(support_user) == Role.CUSTOMER_SERVICE
        assert role_of(learner) == Role.LEARNER
        assert admin_user.has_perm("users.manage_users")
        assert support_user.has_perm("users.manage_users")
        assert not learner.has_perm("users.manage_users")

    def test_email_is_unique_regardless_of_case(self):
        from django.db import IntegrityError, transaction

        LearnerFactory(email="same@example.com")
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.bulk_create([User(email="SAME@example.com")])


@pytest.mark.django_db
class TestAuditLog:
    def test_record_keeps_who_what_and_where(self, client, admin_user, learner):
        token = audit.bind_request(ip_address="203.0.113.9", user_agent="UA/1", real_actor_id=None)
        try:
            event = audit.record(
                actor=admin_user,
                subject=learner,
                action="user.updated",
                changes=audit.changes_between(
                    {"first_name": "Ann", "password": "old"},
                    {"first_name": "Anna", "password": "new"},
                    secret_fields={"password"},
                ),
            )
        finally:
            audit.unbind_request(token)
        event.refresh_from_db()
        assert event.actor == admin_user and event.subject == learner
        assert event.changes == {
            "first_name": ["Ann", "Anna"],
            "password": ["changed", "changed"],
        }
        assert (event.ip_address, event.user_agent) == ("203.0.113.9", "UA/1")

    def test_the_log_is_append_only(self, admin_user, learner):
        event = audit.record(actor=admin_user, subject=learner, action="user.updated")
        with pytest.raises(TypeError):
            event.save()
        with pytest.raises(TypeError):
            event.delete()
        with pytest.raises(TypeError):
            AuditEvent.objects.filter(pk=event.pk).update(action="x")
        with pytest.raises(TypeError):
            AuditEvent.objects.all().delete()
        assert AuditEvent.objects.get(pk=event.pk).action == "user.updated"

    def test_django_admin_shows_it_read_only_and_only_to_superusers(
        self, client, admin_user, learner
    ):
        event = audit.record(actor=admin_user, subject=learner, action="user.updated")
        client.force_login(admin_user)
        assert client.get("/django-admin/").status_code == 302  # not a superuser
        client.force_login(SuperuserFactory())
        url = f"/django-admin/users/auditevent/{event.pk}/change/"
        page = client.get(url)
        assert page.status_code == 200
        assert 'name="action"' not in page.content.decode()
        assert client.post(url, {"action": "tampered"}).status_code == 403
        delete = client.post(f"/django-admin/users/auditevent/{event.pk}/delete/", {"post": "yes"})
        assert delete.status_code == 403
        assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
class TestOpsCommands:
    def run(self, *args, stdin=""):
        out = io.StringIO()
        old = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            call_command(*args, stdout=out)
        finally:
            sys.stdin = old
        return out.getvalue()

    def test_create_staff_makes_an_admin_who_can_sign_in(self, client):
        out = self.run(
            "create_staff",
            "Boss@School.example",
            "--role",
            "admin",
            "--password-stdin",
            stdin="a-long-admin-passphrase\n",
        )
        assert "boss@school.example is now Admin" in out
        user = User.objects.get(email="boss@school.example")
        assert role_of(user) == Role.ADMIN
        response = client.post(
            "/sign_in", {"username": "boss@school.example", "password": "a-long-admin-passphrase"}
        )
        assert response.status_code == 302
        assert AuditEvent.objects.filter(subject=user, action="staff.created").exists()

    @pytest.mark.parametrize(
        "args,stdin,message",
        [
            (
                ["not-an-email", "--role", "admin", "--password-stdin"],
                "pw-long-enough-1\n",
                "e-mail",
            ),
            (["a@school.example", "--role", "admin"], "", "--password-stdin"),
            (["a@school.example", "--role", "admin", "--password-stdin"], "\n", "No password"),
            (["a@school.example", "--role", "admin", "--password-stdin"], "123\n", "too short"),
        ],
    )
    def test_create_staff_refuses_bad_input(self, args, stdin, message):
        with pytest.raises(CommandError, match=message):
            self.run("create_staff", *args, stdin=stdin)
        assert not User.objects.exists()

    def test_seed_demo_builds_a_school_and_can_run_twice(self):
        out = self.run("seed_demo", "--learners", "40")
        assert "admin@school.example" in out
        learners = User.objects.filter(groups__isnull=True)
        assert learners.count() == 40
        assert learners.filter(is_active=False).exists()
        assert learners.exclude(first_name="").count() == 40
        fields, values = ProfileField.objects.count(), ProfileValue.objects.count()
        assert fields == 7 and values > 40 * 2
        self.run("seed_demo", "--learners", "40")
        assert User.objects.filter(groups__isnull=True).count() == 40
        assert ProfileField.objects.count() == fields
        assert ProfileValue.objects.count() == values
        assert AuditEvent.objects.filter(action="learner_field.created").count() == 7


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "false",
        "SECRET_KEY": "k" * 20 + "production-secret-for-the-check-" + "x9" * 10,
        "ALLOWED_HOSTS": "school.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"DEBUG": "false", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_layers_hold(tmp_path):
    """import-linter: an app imports only the apps below it (ARCHITECTURE.md)."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
