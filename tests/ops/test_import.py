"""batch.importing: validation by row and column, all-or-nothing, create vs update, limits."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import AccessGrant
from batch import importing
from tests.access.factories import ContentFactory
from tests.factories import AdminFactory, LearnerFactory, SupportFactory
from tests.ops.conftest import csv_text, run_import
from users.models import AuditEvent, ProfileField, ProfileValue, User, UserSession
from users.roles import GROUP_NAMES, Role, role_of

pytestmark = pytest.mark.django_db

HEADER = "email,first_name,last_name,phone,street,city,region,postal_code,country,role"


def errors_at(result_or_refused):
    return {(error.row, error.column) for error in result_or_refused.errors}


class TestCreate:
    def test_creates_learners_with_every_column(self):
        result = run_import(
            csv_text(
                HEADER,
                "Ada@Example.COM,Ada,Lovelace,+44 20 7946 0958,1 Main St,London,,N1 9GU,UK,",
                "grace@example.com,Grace,Hopper,,,,,,,customer_service",
            )
        )
        assert (result.created, result.updated, result.written) == (2, 0, True)
        ada = User.objects.get(email="ada@example.com")
        assert (ada.first_name, ada.last_name, ada.city, ada.postal_code) == (
            "Ada",
            "Lovelace",
            "London",
            "N1 9GU",
        )
        assert str(ada.phone) == "+442079460958"
        assert not ada.has_usable_password() and ada.is_active
        assert role_of(ada) == Role.LEARNER
        grace = User.objects.get(email="grace@example.com")
        assert role_of(grace) == Role.CUSTOMER_SERVICE

    def test_one_audit_event_per_learner_by_the_system(self):
        run_import(csv_text("email,first_name", "a@example.com,Ann", "b@example.com,Bo"))
        events = AuditEvent.objects.filter(action="user.created")
        assert events.count() == 2
        event = events.get(subject__email="a@example.com")
        assert event.actor is None and event.actor_label == "system"
        assert event.changes == {"email": [None, "a@example.com"], "first_name": [None, "Ann"]}
        assert event.subject_version == 1

    def test_the_uploading_admin_is_the_actor(self, admin_user):
        run_import(csv_text("email", "a@example.com"), actor=admin_user)
        assert AuditEvent.objects.get(action="user.created").actor == admin_user


class TestUpdate:
    def test_matches_by_email_in_any_case_and_changes_only_what_differs(self):
        learner = LearnerFactory(email="ann@example.com", first_name="Ann", last_name="Old")
        result = run_import(csv_text("email,first_name,last_name", "ANN@Example.com,Ann,New"))
        assert (result.created, result.updated) == (0, 1)
        learner.refresh_from_db()
        assert learner.last_name == "New" and learner.version == 2
        event = AuditEvent.objects.get(subject=learner)
        assert event.action == "user.updated"
        assert event.changes == {"last_name": ["Old", "New"]}
        assert event.subject_version == 2

    def test_columns_left_out_are_kept_and_empty_cells_clear(self):
        learner = LearnerFactory(email="ann@example.com", city="Porto", country="PT")
        run_import(csv_text("email,city", "ann@example.com,"))
        learner.refresh_from_db()
        assert learner.city == "" and learner.country == "PT"

    def test_unchanged_rows_write_no_event(self):
        LearnerFactory(email="ann@example.com", first_name="Ann")
        result = run_import(csv_text("email,first_name", "ann@example.com,Ann"))
        assert result.unchanged == 1 and result.updated == 0
        assert not AuditEvent.objects.exists()

    def test_empty_role_keeps_the_role(self):
        staff = SupportFactory(email="cs@school.example")
        run_import(csv_text("email,role,first_name", "cs@school.example,,Renamed"))
        staff.refresh_from_db()
        assert role_of(User.objects.get(pk=staff.pk)) == Role.CUSTOMER_SERVICE

    def test_a_downgrade_ends_their_sessions(self, client):
        staff = AdminFactory(email="boss@school.example")
        client.force_login(staff)
        assert UserSession.objects.filter(user_id=staff.pk).exists()
        run_import(csv_text("email,role", "boss@school.example,learner"))
        assert role_of(User.objects.get(pk=staff.pk)) == Role.LEARNER
        assert not UserSession.objects.filter(user_id=staff.pk).exists()
        event = AuditEvent.objects.get(subject=staff)
        assert event.changes == {"role": ["Admin", "Learner"]}


class TestValidation:
    @pytest.mark.parametrize(
        "row,column",
        [
            (",Ann", "email"),
            ("not-an-email,Ann", "email"),
            ("a@example.com," + "x" * 151, "first_name"),
        ],
    )
    def test_bad_cells_are_named_by_row_and_column(self, row, column):
        result = run_import(csv_text("email,first_name", "ok@example.com,Ok", row))
        assert errors_at(result) == {(3, column)}
        assert not result.written and not User.objects.exists()

    @pytest.mark.parametrize(
        "header,row,column,message",
        [
            ("email,phone", "a@example.com,call me", "phone", "Not a phone number"),
            ("email,role", "a@example.com,superuser", "role", "Use learner"),
            ("email,postal_code", "a@example.com," + "9" * 21, "postal_code", "At most 20"),
            ("email,first_name", "a@example.com,Ann,extra", "", "Expected 2 cells"),
        ],
    )
    def test_each_kind_of_bad_value(self, header, row, column, message):
        result = run_import(csv_text(header, row))
        [error] = result.errors
        assert (error.row, error.column) == (2, column)
        assert message in error.message

    def test_every_error_is_listed_not_just_the_first(self):
        result = run_import(
            csv_text(
                "email,first_name,phone",
                "bad,Ann,+44 20 7946 0958",
                "ok@example.com,Ok,",
                "also-bad," + "x" * 151 + ",12",
            )
        )
        assert errors_at(result) == {(2, "email"), (4, "email"), (4, "first_name"), (4, "phone")}
        assert result.skipped == 2
        assert [str(error) for error in result.errors][0].startswith("row 2, email:")

    def test_the_same_email_twice_names_the_first_row(self):
        result = run_import(csv_text("email", "a@example.com", "b@example.com", "A@EXAMPLE.com"))
        [error] = result.errors
        assert (error.row, error.column, error.message) == (4, "email", "Also on row 2.")

    def test_blank_lines_are_ignored(self):
        result = run_import("email\n\na@example.com\n,\n")
        assert result.created == 1 and result.ok

    @pytest.mark.parametrize(
        "header,column,message",
        [
            ("email,nickname", "nickname", "Unknown column"),
            ("first_name", "email", "The email column is required."),
            ("email,email", "email", "This column appears twice."),
            ("email,ref:nope", "ref:nope", "There is no reference field"),
        ],
    )
    def test_a_bad_header_refuses_the_whole_file(self, header, column, message):
        with pytest.raises(importing.ImportRefused) as refused:
            run_import(csv_text(header, "a@example.com,x"), valid_rows_only=True)
        assert any(
            error.row == 1 and error.column == column and message in error.message
            for error in refused.value.errors
        )
        assert not User.objects.exists()

    def test_an_empty_file_is_refused(self):
        with pytest.raises(importing.ImportRefused, match="empty"):
            run_import("")

    def test_validation_costs_the_same_queries_for_10_or_300_rows(self):
        LearnerFactory(email="row1@example.com")

        def queries(count):
            lines = [f"row{n}@example.com,Name{n}" for n in range(count)]
            with CaptureQueriesContext(connection) as captured:
                run_import(csv_text("email,first_name", *lines), dry_run=True)
            return len(captured)

        assert queries(10) == queries(300)


class TestAllOrNothing:
    def test_one_bad_row_writes_nothing(self, grants):
        ContentFactory(slug="intro")
        existing = LearnerFactory(email="keep@example.com", first_name="Keep")
        result = run_import(
            csv_text(
                "email,first_name,grants",
                "new@example.com,New,intro",
                "keep@example.com,Changed,intro",
                "broken,Bad,",
            ),
            grants=grants,
        )
        assert not result.written and errors_at(result) == {(4, "email")}
        existing.refresh_from_db()
        assert existing.first_name == "Keep"
        assert not User.objects.filter(email="new@example.com").exists()
        assert not AuditEvent.objects.exists() and not AccessGrant.objects.exists()

    def test_valid_rows_only_writes_the_rest_and_reports_the_skipped(self):
        result = run_import(
            csv_text("email,first_name", "new@example.com,New", "broken,Bad", "two@example.com,T"),
            valid_rows_only=True,
        )
        assert result.written and result.created == 2 and result.skipped == 1
        assert errors_at(result) == {(3, "email")}
        assert set(User.objects.values_list("email", flat=True)) == {
            "new@example.com",
            "two@example.com",
        }

    def test_dry_run_checks_and_counts_but_writes_nothing(self):
        LearnerFactory(email="old@example.com", first_name="Old")
        result = run_import(
            csv_text("email,first_name", "old@example.com,Changed", "new@example.com,New"),
            dry_run=True,
        )
        assert (result.created, result.updated, result.written) == (1, 1, False)
        assert User.objects.count() == 1 and not AuditEvent.objects.exists()


class TestRoleLimits:
    def test_support_may_not_give_the_admin_role(self, support_user):
        learner = LearnerFactory(email="ann@example.com")
        result = run_import(csv_text("email,role", "ann@example.com,admin"), actor=support_user)
        assert errors_at(result) == {(2, "role")}
        assert role_of(User.objects.get(pk=learner.pk)) == Role.LEARNER

    def test_support_may_not_change_an_admin(self, support_user):
        AdminFactory(email="boss@school.example", first_name="Boss")
        result = run_import(
            csv_text("email,first_name", "boss@school.example,Renamed"), actor=support_user
        )
        [error] = result.errors
        assert (error.column, error.message) == ("email", "You may not change this user's record.")

    def test_support_updates_learners_but_may_not_add_users(self, support_user):
        LearnerFactory(email="ann@example.com", first_name="Ann")
        result = run_import(
            csv_text("email,first_name", "ann@example.com,Anna", "new@example.com,New"),
            actor=support_user,
            valid_rows_only=True,
        )
        assert [str(error) for error in result.errors] == ["row 3, email: You may not add users."]
        assert User.objects.get(email="ann@example.com").first_name == "Anna"

    def test_an_admin_gives_roles_up_to_admin(self, admin_user):
        result = run_import(
            csv_text(
                "email,role", "new@school.example,admin", "cs@school.example,customer_service"
            ),
            actor=admin_user,
        )
        assert result.written
        admin_group = Group.objects.get(name=GROUP_NAMES[Role.ADMIN])
        assert User.objects.get(email="new@school.example").groups.get() == admin_group

    def test_a_learner_may_not_import_at_all(self, learner):
        with pytest.raises(importing.ImportRefused, match="may not manage users"):
            run_import(csv_text("email", "a@example.com"), actor=learner)


class TestReferenceFields:
    def test_reference_values_are_created_and_changed(self):
        field = ProfileField.objects.create(kind="reference", key="employee_id", label="Employee")
        learner = LearnerFactory(email="ann@example.com")
        ProfileValue.objects.create(user=learner, field=field, value="E-1")
        run_import(csv_text("email,ref:employee_id", "ann@example.com,E-2", "new@example.com,E-3"))
        values = dict(ProfileValue.objects.values_list("user__email", "value"))
        assert values == {"ann@example.com": "E-2", "new@example.com": "E-3"}
        event = AuditEvent.objects.get(subject=learner)
        assert event.changes == {"reference:employee_id": ["E-1", "E-2"]}

    def test_a_survey_field_key_is_not_a_reference_column(self):
        ProfileField.objects.create(kind="survey", key="goal", label="Goal")
        with pytest.raises(importing.ImportRefused):
            run_import(csv_text("email,ref:goal", "a@example.com,x"))


class TestGrants:
    def test_grants_open_content_with_an_optional_expiry(self, grants):
        ContentFactory(slug="intro")
        ContentFactory(slug="safety")
        next_year = timezone.localdate() + datetime.timedelta(days=365)
        result = run_import(
            csv_text("email,grants", f"ann@example.com,intro@{next_year.isoformat()}; safety"),
            grants=grants,
        )
        assert result.grants == 2
        ann = User.objects.get(email="ann@example.com")
        opened = {g.content.slug: g.expires_at for g in AccessGrant.objects.filter(user=ann)}
        assert opened["safety"] is None
        assert timezone.localtime(opened["intro"]).date() == next_year
        assert AuditEvent.objects.filter(subject=ann, action="access.granted").count() == 2

    def test_importing_the_same_grant_twice_keeps_one(self, grants):
        ContentFactory(slug="intro")
        for _ in range(2):
            run_import(csv_text("email,grants", "ann@example.com,intro"), grants=grants)
        assert AccessGrant.objects.count() == 1

    @pytest.mark.parametrize(
        "cell,message",
        [
            ("nosuch", "No content with the slug 'nosuch'."),
            ("intro@2027-13-45", "intro@2027-13-45: use slug@YYYY-MM-DD."),
            ("intro@", "intro@: use slug@YYYY-MM-DD."),
            ("intro@2001-01-01", "intro@2001-01-01: this date is in the past."),
        ],
    )
    def test_bad_grants_are_named(self, grants, cell, message):
        ContentFactory(slug="intro")
        result = run_import(csv_text("email,grants", f"ann@example.com,{cell}"), grants=grants)
        assert [(e.row, e.column, e.message) for e in result.errors] == [(2, "grants", message)]
        assert not AccessGrant.objects.exists()

    def test_granting_needs_the_access_permission(self, grants):
        ContentFactory(slug="intro")
        limited = AdminFactory()
        limited.user_permissions.clear()
        limited.groups.clear()
        limited.user_permissions.add(
            *Permission.objects.filter(codename__in=["manage_users", "change_user", "add_user"])
        )
        limited = User.objects.get(pk=limited.pk)
        result = run_import(
            csv_text("email,grants", "ann@example.com,intro"), actor=limited, grants=grants
        )
        assert [(e.column, e.message) for e in result.errors] == [
            ("grants", "You may not grant content.")
        ]


class TestFiles:
    def test_not_utf8_is_refused(self, tmp_path):
        path = tmp_path / "latin.csv"
        path.write_bytes("email,first_name\na@example.com,Jos\xe9\n".encode("latin-1"))
        with (
            path.open(encoding="utf-8-sig", newline="") as stream,
            pytest.raises(importing.ImportRefused, match="not UTF-8"),
        ):
            importing.import_users(stream, actor=None)

    def test_a_byte_order_mark_is_fine(self, tmp_path):
        path = tmp_path / "bom.csv"
        path.write_bytes("\ufeffemail,first_name\na@example.com,José\n".encode())
        with path.open(encoding="utf-8-sig", newline="") as stream:
            result = importing.import_users(stream, actor=None)
        assert result.created == 1
        assert User.objects.get().first_name == "José"


def test_nameless_trailing_columns_are_ignored_when_empty():
    result = run_import(
        csv_text("email,first_name,,", "a@example.com,Ann,,", "b@example.com,Bo,,x")
    )
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "A value under a column with no name.")
    ]


class TestOneWritePath:
    """The import changes a learner through users/details.py, like the Details tab."""

    FIELDS = [
        "actor_id",
        "actor_label",
        "real_actor_id",
        "real_actor_label",
        "action",
        "changes",
        "subject_version",
        "ip_address",
        "user_agent",
    ]

    def _learner(self, email):
        learner = LearnerFactory(email=email, first_name="Ann", city="Oslo", phone="+4722334455")
        ProfileValue.objects.create(user=learner, field=self.field, value="E-1")
        return learner

    def _event(self, learner):
        event = AuditEvent.objects.get(subject=learner)
        return {name: getattr(event, name) for name in self.FIELDS}

    def test_an_imported_change_is_audited_exactly_as_the_same_change_on_the_details_tab(self):
        from users import audit
        from users.details import user_update_details

        admin = AdminFactory(email="boss@school.example")
        self.field = ProfileField.objects.create(kind="reference", key="employee_id", label="ID")
        imported, by_hand = self._learner("ann@example.com"), self._learner("bob@example.com")
        # An admin acting as themselves: the real actor is no one else, in both.
        token = audit.bind_request(ip_address="10.0.0.7", user_agent="Test", real_actor_id=admin.pk)
        try:
            run_import(
                csv_text(
                    "email,first_name,city,phone,role,ref:employee_id",
                    "ann@example.com,Anna,Bergen,+47 99 88 77 66,customer_service,E-2",
                ),
                actor=admin,
            )
            user_update_details(
                user=by_hand,
                actor=admin,
                expected_version=by_hand.version,
                profile={"first_name": "Anna", "city": "Bergen", "phone": "+4799887766"},
                role=Role.CUSTOMER_SERVICE,
                references={"employee_id": "E-2"},
            )
        finally:
            audit.unbind_request(token)
        expected = {
            "first_name": ["Ann", "Anna"],
            "city": ["Oslo", "Bergen"],
            "phone": ["+4722334455", "+4799887766"],
            "role": ["Learner", "Customer Service"],
            "reference:employee_id": ["E-1", "E-2"],
        }
        assert self._event(imported)["changes"] == expected
        assert self._event(imported) == self._event(by_hand)
        assert self._event(imported)["real_actor_id"] is None
        for learner in (imported, by_hand):
            learner = User.objects.get(pk=learner.pk)
            assert (learner.first_name, learner.city, str(learner.phone)) == (
                "Anna",
                "Bergen",
                "+4799887766",
            )
            assert role_of(learner) == Role.CUSTOMER_SERVICE
            assert ProfileValue.objects.get(user=learner).value == "E-2"
