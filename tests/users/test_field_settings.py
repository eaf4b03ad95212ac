"""Settings > Learner fields: an Admin defines, edits, reorders, retires and deletes the school's
reference fields, custom sign-up inputs and onboarding survey questions from the product."""

import pytest

from tests.factories import LearnerFactory
from users import field_services, field_types
from users.models import AuditEvent, ProfileField, ProfileValue

Kind, Type = ProfileField.Kind, ProfileField.Type
pytestmark = pytest.mark.django_db

LIST = "/manage/settings/learner-fields/"
ADD = LIST + "add/"


def edit_url(field):
    return f"{LIST}{field.pk}/"


def define(admin, key="cost-centre", label="Cost centre", **values):
    values.setdefault("kind", Kind.REFERENCE)
    values.setdefault("field_type", Type.SHORT_TEXT)
    return field_services.field_create(actor=admin, key=key, label=label, **values)


def answer(field, text, user=None):
    return ProfileValue.objects.create(user=user or LearnerFactory(), field=field, value=text)


def said(response):
    return [str(message) for message in response.context["messages"]]


def form_data(**values):
    data = {"kind": Kind.REFERENCE, "label": "", "key": "", "field_type": Type.SHORT_TEXT}
    data.update(values)
    return data


def definition(field):
    """What an edit form sends back unchanged for this field."""
    data = {
        "label": field.label,
        "field_type": field.field_type,
        "help_text": field.help_text,
        "choices": "\n".join(label for _, label in field_types.offered_choices(field)),
    }
    data.update({name: "on" for name in ("required", "learner_visible") if getattr(field, name)})
    return data


class TestAdd:
    @pytest.mark.parametrize("field_type", Type.values)
    def test_an_admin_adds_a_field_of_each_type(self, admin_client, field_type):
        choices = "Finance\nSales" if field_type in field_types.CHOICE_TYPES else ""
        response = admin_client.post(
            ADD,
            form_data(label="Start date", field_type=field_type, choices=choices, required="on"),
            follow=True,
        )
        field = ProfileField.objects.get()
        assert (field.key, field.field_type, field.required) == ("start-date", field_type, True)
        assert said(response) == ["Saved: “Start date” added (Learner reference field)."]
        assert "Start date" in response.content.decode()
        assert AuditEvent.objects.filter(action="learner_field.created").count() == 1

    def test_a_choice_field_keeps_its_choices_in_order(self, admin_client):
        admin_client.post(
            ADD,
            form_data(
                kind=Kind.SURVEY,
                label="Department",
                key="department",
                field_type=Type.CHOICE,
                choices="Finance\n\nSales \nfinance\nOperations",
            ),
        )
        field = ProfileField.objects.get()
        assert field.kind == Kind.SURVEY
        assert field_types.offered_choices(field) == [
            ("finance", "Finance"),
            ("sales", "Sales"),
            ("operations", "Operations"),
        ]
        assert field in field_services.asked(Kind.SURVEY)

    def test_learners_may_see_only_a_reference_field(self, admin_client):
        admin_client.post(ADD, form_data(label="Employee ID", learner_visible="on"))
        admin_client.post(
            ADD, form_data(kind=Kind.CUSTOM_INPUT, label="Job title", learner_visible="on")
        )
        visible = dict(ProfileField.objects.values_list("key", "learner_visible"))
        assert visible == {"employee-id": True, "job-title": False}

    def test_the_section_link_opens_the_form_on_its_kind(self, admin_client):
        response = admin_client.get(ADD + "?kind=custom_input")
        assert response.context["form"]["kind"].value() == Kind.CUSTOM_INPUT

    def test_a_duplicate_key_is_refused_next_to_the_field_and_nothing_is_created(
        self, admin_client, admin_user
    ):
        define(admin_user)
        response = admin_client.post(ADD, form_data(label="Cost center", key="cost-centre"))
        assert response.status_code == 400
        assert response.context["form"].errors == {
            "key": ["Another learner field already has this key."]
        }
        assert 'id="id_key_error"' in response.content.decode()
        assert ProfileField.objects.count() == 1

    def test_a_label_making_a_taken_key_is_refused_too(self, admin_client, admin_user):
        define(admin_user)
        response = admin_client.post(ADD, form_data(label="Cost Centre"))
        assert "key" in response.context["form"].errors
        assert ProfileField.objects.count() == 1

    @pytest.mark.parametrize(
        ("key", "message"),
        [
            ("Cost Centre", "Use lowercase letters"),
            ("cost--centre", "Use lowercase letters"),
            ("email", "already a column of the learner CSV"),
            ("first-name", "already a column of the learner CSV"),
        ],
    )
    def test_an_invalid_key_is_refused(self, admin_client, key, message):
        response = admin_client.post(ADD, form_data(label="Cost centre", key=key))
        assert message in " ".join(response.context["form"].errors["key"])
        assert not ProfileField.objects.exists()

    @pytest.mark.parametrize("field_type", sorted(field_types.CHOICE_TYPES))
    def test_a_choice_type_without_choices_is_refused(self, admin_client, field_type):
        response = admin_client.post(
            ADD, form_data(label="Department", field_type=field_type, choices=" \n ")
        )
        assert response.context["form"].errors == {
            "choices": ["Give at least one choice, one per line."]
        }
        assert not ProfileField.objects.exists()
        assert not AuditEvent.objects.exists()


class TestEdit:
    def test_saving_with_no_change_says_so_and_writes_nothing(self, admin_client, admin_user):
        field = define(admin_user, field_type=Type.CHOICES, choices=["Finance", "Sales"])
        events = AuditEvent.objects.count()
        response = admin_client.post(edit_url(field), definition(field), follow=True)
        assert said(response) == ["Nothing changed: “Cost centre” was as saved."]
        assert AuditEvent.objects.count() == events

    def test_a_change_is_saved_and_named(self, admin_client, admin_user):
        field = define(admin_user)
        data = {**definition(field), "label": "Cost center", "required": "on"}
        response = admin_client.post(edit_url(field), data, follow=True)
        field.refresh_from_db()
        assert (field.label, field.required, field.key) == ("Cost center", True, "cost-centre")
        assert said(response) == ["Saved “Cost center”: Label, Required changed."]
        event = AuditEvent.objects.get(action="learner_field.updated")
        assert event.changes["label"] == ["Cost centre", "Cost center"]

    def test_renaming_or_removing_a_choice_keeps_past_answers_readable(
        self, admin_client, admin_user
    ):
        field = define(admin_user, field_type=Type.CHOICE, choices=["Finance", "Sales"])
        answer(field, "finance")
        sold = answer(field, "sales")
        data = {**definition(field), "choices": "Finance and operations\nSales"}
        admin_client.post(edit_url(field), data)
        field.refresh_from_db()
        assert field_types.offered_choices(field) == [
            ("finance-and-operations", "Finance and operations"),
            ("sales", "Sales"),
        ]
        assert field_types.shown(field, "finance") == "Finance"

        admin_client.post(edit_url(field), {**data, "choices": "Finance and operations"})
        field.refresh_from_db()
        assert [label for _, label in field_types.offered_choices(field)] == [
            "Finance and operations"
        ]
        sold.refresh_from_db()
        assert field_types.shown(field, sold.value) == "Sales"
        page = admin_client.get(edit_url(field)).content.decode()
        assert "Retired choices" in page and "Sales, Finance" in page

    def test_the_type_of_an_answered_field_cannot_change(self, admin_client, admin_user):
        field = define(admin_user)
        answer(field, "4100")
        response = admin_client.post(
            edit_url(field), {**definition(field), "field_type": Type.NUMBER, "label": "CC"}
        )
        assert response.status_code == 400
        assert response.context["form"].errors == {
            "field_type": ["Learners have answered this field: its type can no longer change."]
        }
        field.refresh_from_db()
        assert (field.field_type, field.label) == (Type.SHORT_TEXT, "Cost centre")

    def test_a_choice_field_must_keep_a_choice(self, admin_client, admin_user):
        field = define(admin_user, field_type=Type.CHOICE, choices=["Finance"])
        response = admin_client.post(edit_url(field), {**definition(field), "choices": ""})
        assert "choices" in response.context["form"].errors
        field.refresh_from_db()
        assert field_types.offered_choices(field) == [("finance", "Finance")]


class TestRetireAndDelete:
    def test_retiring_hides_the_field_from_where_it_is_asked(self, admin_client, admin_user):
        field = define(admin_user, kind=Kind.SURVEY, key="goal", label="Your goal")
        answer(field, "Learn")
        response = admin_client.post(f"{LIST}{field.pk}/retire/", follow=True)
        assert said(response) == [
            "Retired “Your goal”: no longer asked or edited; its values are kept."
        ]
        assert field_services.asked(Kind.SURVEY) == []
        assert ProfileValue.objects.filter(field=field).exists()
        assert "Retired" in response.content.decode()

        again = admin_client.post(f"{LIST}{field.pk}/retire/", follow=True)
        assert said(again) == ["“Your goal” was already retired. Nothing changed."]
        admin_client.post(f"{LIST}{field.pk}/restore/")
        assert field_services.asked(Kind.SURVEY) == [field]

    def test_deleting_a_field_with_values_is_refused_and_it_stays(self, admin_client, admin_user):
        field = define(admin_user)
        answer(field, "4100")
        response = admin_client.post(f"{LIST}{field.pk}/delete/", {"confirmed": "1"}, follow=True)
        assert said(response) == [
            "1 learner has a value for “Cost centre”: retire it instead, which hides it and "
            "keeps the values."
        ]
        assert ProfileField.objects.filter(pk=field.pk).exists()
        assert not AuditEvent.objects.filter(action="learner_field.deleted").exists()

    def test_deleting_asks_first_then_deletes(self, admin_client, admin_user):
        field = define(admin_user)
        asked = admin_client.post(f"{LIST}{field.pk}/delete/")
        assert asked.status_code == 200
        assert "Delete the learner field “Cost centre”?" in asked.content.decode()
        assert ProfileField.objects.filter(pk=field.pk).exists()

        response = admin_client.post(f"{LIST}{field.pk}/delete/", {"confirmed": "1"}, follow=True)
        assert said(response) == ["Deleted “Cost centre”."]
        assert not ProfileField.objects.exists()
        assert AuditEvent.objects.filter(action="learner_field.deleted").count() == 1


class TestOrder:
    def test_moving_up_and_down(self, admin_client, admin_user):
        first = define(admin_user, key="employee-id", label="Employee ID")
        second = define(admin_user)
        response = admin_client.post(f"{LIST}{second.pk}/move-up/", follow=True)
        assert said(response) == ["Moved “Cost centre” up."]
        assert field_services.asked(Kind.REFERENCE) == [second, first]
        page = response.content.decode()
        assert page.index("Cost centre") < page.index("Employee ID")

        response = admin_client.post(f"{LIST}{second.pk}/move-down/", follow=True)
        assert said(response) == ["Moved “Cost centre” down."]
        assert field_services.asked(Kind.REFERENCE) == [first, second]
        response = admin_client.post(f"{LIST}{second.pk}/move-down/", follow=True)
        assert said(response) == ["“Cost centre” is already last. Nothing changed."]


class TestListPage:
    def test_each_section_lists_its_fields_or_says_it_has_none(self, admin_client, admin_user):
        field = define(admin_user, learner_visible=True)
        answer(field, "4100")
        answer(field, "4200")
        response = admin_client.get(LIST)
        page = response.content.decode()
        reference = response.context["sections"][0]
        assert [f.answered for f in reference["fields"]] == [2]
        assert "Reference fields" in page and "cost-centre" in page
        assert "No custom sign-up inputs yet." in page
        assert "No onboarding survey questions yet." in page
        assert page.count("Add a field") == 3

    def test_the_manage_home_links_to_it_for_admins(self, admin_client):
        assert (
            'href="/manage/settings/learner-fields/"'
            in admin_client.get("/manage/").content.decode()
        )

    def test_the_query_count_is_the_same_with_one_or_twenty_fields(
        self, admin_client, admin_user, django_assert_num_queries
    ):
        define(admin_user, key="field-0", label="Field 0")
        admin_client.get(LIST)  # warm the session and permission caches
        with django_assert_num_queries(5) as one:
            admin_client.get(LIST)
        for i in range(1, 20):
            kind = [Kind.REFERENCE, Kind.CUSTOM_INPUT, Kind.SURVEY][i % 3]
            field = define(
                admin_user,
                key=f"field-{i}",
                label=f"Field {i}",
                kind=kind,
                field_type=Type.CHOICE,
                choices=["A", "B"],
            )
            answer(field, "a")
        with django_assert_num_queries(len(one.captured_queries)):
            response = admin_client.get(LIST)
        assert sum(len(s["fields"]) for s in response.context["sections"]) == 20


class TestWhoMay:
    @pytest.mark.parametrize(
        "path",
        ["", "add/", "{pk}/", "{pk}/move-up/", "{pk}/retire/", "{pk}/restore/", "{pk}/delete/"],
    )
    def test_customer_service_is_refused(self, support_client, admin_user, path):
        field = define(admin_user)
        url = LIST + path.format(pk=field.pk)
        assert support_client.get(url).status_code == 403
        assert support_client.post(url, {"confirmed": "1", **definition(field)}).status_code == 403
        assert ProfileField.objects.filter(pk=field.pk, retired_at=None).exists()

    def test_customer_service_sees_no_link(self, support_client):
        assert "learner-fields" not in support_client.get("/manage/").content.decode()
