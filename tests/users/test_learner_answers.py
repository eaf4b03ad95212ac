"""The learner's side of school-defined fields: custom inputs asked with the invitation, the
onboarding survey after the first sign-in, and My profile."""

import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD, LearnerFactory
from users import field_services, services
from users.models import AuditEvent, ProfileField, ProfileValue

Kind, Type = ProfileField.Kind, ProfileField.Type
pytestmark = pytest.mark.django_db
NEW_PASSWORD = "orange-river-boat-31"


def define(kind, key, label, field_type=Type.SHORT_TEXT, *, choices=(), **values):
    return ProfileField.objects.create(
        kind=kind,
        key=key,
        label=label,
        field_type=field_type,
        choices=field_services.choices_from_labels(choices),
        position=ProfileField.objects.filter(kind=kind).count(),
        **values,
    )


def text(response):
    return response.content.decode()


def told(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def sign_in(client, user, **extra):
    return client.post("/sign_in", {"username": user.email, "password": PASSWORD, **extra})


@pytest.fixture
def invite(admin_user, django_capture_on_commit_callbacks):
    """The invitation path of a new learner, as the e-mail gives it."""

    def invite(learner):
        with django_capture_on_commit_callbacks(execute=True):
            services.invite_send(
                user=learner, actor=admin_user, request_key="k" * 20, link_base="http://t/"
            )
        return re.search(r"http://t(/invite/\S+/)", mail.outbox[-1].body).group(1)

    return invite


@pytest.fixture
def inputs(db):
    return {
        "job": define(Kind.CUSTOM_INPUT, "job-title", "Job title", required=True),
        "country": define(
            Kind.CUSTOM_INPUT,
            "country",
            "Country of work",
            Type.CHOICE,
            choices=["Portugal", "Kenya"],
        ),
        "years": define(Kind.CUSTOM_INPUT, "years", "Years in the job", Type.NUMBER),
    }


class TestInvitation:
    def test_a_missing_required_input_is_reported_next_to_it_and_nothing_is_saved(
        self, invite, inputs
    ):
        learner = LearnerFactory(last_login=None)
        path = invite(learner)
        client = Client()
        form = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        response = client.post(path, {**form, "answer_country": "portugal", "answer_years": "3"})
        page = text(response)
        assert response.status_code == 400
        assert 'id="id_answer_job-title_error"' in page and "This field is required." in page
        assert '<option value="portugal" selected>Portugal</option>' in page
        assert 'name="answer_years" value="3"' in page
        learner.refresh_from_db()
        assert not learner.check_password(NEW_PASSWORD) and learner.invite_accepted_at is None
        assert not ProfileValue.objects.exists()
        assert not AuditEvent.objects.filter(action="invite.accepted").exists()
        assert client.get(path).status_code == 200  # still usable

    def test_a_number_input_refuses_words(self, invite, inputs):
        path = invite(LearnerFactory(last_login=None))
        response = Client().post(
            path,
            {
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
                "answer_job-title": "Nurse",
                "answer_years": "abc",
            },
        )
        assert response.status_code == 400
        assert 'id="id_answer_years_error"' in text(response)
        assert "Enter a number." in text(response)
        assert not ProfileValue.objects.exists()

    def test_answers_are_stored_canonical_in_the_one_accept_event(self, invite, inputs):
        learner = LearnerFactory(last_login=None)
        path = invite(learner)
        client = Client()
        response = client.post(
            path,
            {
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
                "answer_job-title": "  Nurse ",
                "answer_country": "kenya",
                "answer_years": "04.50",
            },
        )
        assert response.status_code == 302 and response.url == "/"
        stored = dict(ProfileValue.objects.filter(user=learner).values_list("field__key", "value"))
        assert stored == {"job-title": "Nurse", "country": "kenya", "years": "4.5"}
        (event,) = AuditEvent.objects.filter(action="invite.accepted")
        assert event.subject == learner and event.actor == learner
        assert event.changes["input:job-title"] == ["", "Nurse"]
        assert event.changes["input:years"] == ["", "4.5"]
        learner.refresh_from_db()
        assert learner.check_password(NEW_PASSWORD)
        assert client.get(path).status_code == 404  # used up

    def test_the_page_asks_only_active_inputs(self, invite, inputs):
        inputs["years"].retired_at = timezone.now()
        inputs["years"].save()
        page = text(Client().get(invite(LearnerFactory(last_login=None))))
        assert "Job title" in page and "Country of work" in page
        assert "Years in the job" not in page

    def test_a_pending_survey_comes_right_after(self, invite):
        define(Kind.SURVEY, "goal", "What do you want to learn?")
        path = invite(LearnerFactory(last_login=None))
        response = Client().post(
            path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assert response.status_code == 302 and response.url == "/my/survey/"


@pytest.fixture
def questions(db):
    return {
        "goal": define(Kind.SURVEY, "goal", "What do you want to learn?"),
        "topics": define(
            Kind.SURVEY, "topics", "Topics", Type.CHOICES, choices=["Safety", "Finance", "Sales"]
        ),
        "mentor": define(Kind.SURVEY, "mentor", "Would you like a mentor?", Type.YES_NO),
    }


class TestSurvey:
    def test_sign_in_with_a_pending_survey_goes_to_it_carrying_next(self, client, questions):
        learner = LearnerFactory()
        response = sign_in(client, learner, next="/my/certificates/")
        assert response.url == "/my/survey/?next=%2Fmy%2Fcertificates%2F"
        page = text(client.get(response.url))
        assert "Save answers" in page and "Skip for now" in page
        assert 'name="next" value="/my/certificates/"' in page
        assert page.index("What do you want to learn?") < page.index("Topics")

    def test_answering_stores_the_answers_and_it_is_not_asked_again(self, client, questions):
        learner = LearnerFactory()
        assert sign_in(client, learner).url == "/my/survey/"
        response = client.post(
            "/my/survey/",
            {
                "answer_goal": "Excel",
                "answer_topics": ["sales", "safety"],
                "answer_mentor": "yes",
                "next": "/my/certificates/",
            },
        )
        assert response.status_code == 302 and response.url == "/my/certificates/"
        learner.refresh_from_db()
        assert learner.survey_done_at is not None
        stored = dict(ProfileValue.objects.filter(user=learner).values_list("field__key", "value"))
        assert stored == {"goal": "Excel", "topics": "safety,sales", "mentor": "yes"}
        (event,) = AuditEvent.objects.filter(action="user.survey_answered")
        assert event.changes["survey:topics"] == ["", "safety,sales"]
        client.post("/sign_out")
        assert sign_in(client, learner).url == "/"
        response = client.get("/my/survey/")
        assert response.url == "/"
        assert told(response) == ["You have already answered the onboarding survey."]

    def test_a_wrong_answer_is_reported_and_nothing_is_saved(self, client, questions):
        learner = LearnerFactory()
        client.force_login(learner)
        response = client.post("/my/survey/", {"answer_goal": "Excel", "answer_mentor": "maybe"})
        assert response.status_code == 400
        assert 'id="id_answer_mentor_error"' in text(response)
        assert 'name="answer_goal" value="Excel"' in text(response)
        learner.refresh_from_db()
        assert learner.survey_done_at is None and not ProfileValue.objects.exists()

    def test_skipping_an_optional_survey_marks_it_done(self, client, questions):
        learner = LearnerFactory()
        client.force_login(learner)
        response = client.post("/my/survey/", {"skip": "1", "answer_goal": "ignored"})
        assert response.url == "/"
        learner.refresh_from_db()
        assert learner.survey_done_at is not None and not ProfileValue.objects.exists()
        assert AuditEvent.objects.filter(action="user.survey_skipped", subject=learner).count() == 1

    def test_a_required_question_takes_the_skip_away(self, client, questions):
        questions["mentor"].required = True
        questions["mentor"].save()
        learner = LearnerFactory()
        client.force_login(learner)
        assert "Skip for now" not in text(client.get("/my/survey/"))
        response = client.post("/my/survey/", {"skip": "1"})
        assert response.url == "/my/survey/"
        assert told(response) == ["Some questions must be answered: the survey cannot be skipped."]
        learner.refresh_from_db()
        assert learner.survey_done_at is None
        assert not AuditEvent.objects.filter(subject=learner).exists()

    def test_staff_are_never_sent_to_it(self, client, admin_user, questions):
        assert sign_in(client, admin_user).url == "/manage/"
        assert client.get("/my/survey/").url == "/"

    def test_no_survey_no_detour(self, client):
        assert sign_in(client, LearnerFactory()).url == "/"

    @pytest.mark.parametrize("path", ["/my/survey/", "/my/profile/"])
    def test_anonymous_visitors_sign_in_first(self, client, path):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/sign_in?next=")


class TestMyProfile:
    def test_shows_the_learner_what_they_may_see(self, client, inputs, questions):
        learner = LearnerFactory(first_name="Ada", last_name="Byron")
        shown = define(Kind.REFERENCE, "employee-id", "Employee ID", learner_visible=True)
        hidden = define(Kind.REFERENCE, "cost-centre", "Cost centre")
        ProfileValue.objects.create(user=learner, field=shown, value="E-1001")
        ProfileValue.objects.create(user=learner, field=hidden, value="4100")
        ProfileValue.objects.create(user=learner, field=questions["topics"], value="finance,sales")
        client.force_login(learner)
        page = text(client.get("/my/profile/"))
        assert "Ada Byron" in page and learner.email in page
        assert "Employee ID" in page and "E-1001" in page
        assert "Cost centre" not in page and "4100" not in page
        assert "Finance, Sales" in page and "answered <time" in page
        assert 'name="answer_job-title"' in page
        assert 'name="answer_goal"' not in page  # survey answers are read-only
        assert 'href="/my/profile/"' in page  # the navigation link

    def test_saving_changes_is_audited_and_saving_again_changes_nothing(self, client, inputs):
        learner = LearnerFactory()
        client.force_login(learner)
        form = {"answer_job-title": "Nurse", "answer_country": "portugal", "answer_years": ""}
        response = client.post("/my/profile/", form)
        assert response.url == "/my/profile/" and told(response) == ["Saved."]
        (event,) = AuditEvent.objects.filter(action="user.answers_saved")
        assert event.changes == {
            "input:job-title": ["", "Nurse"],
            "input:country": ["", "portugal"],
        }
        page = text(client.get("/my/profile/"))
        assert 'value="Nurse"' in page and '<option value="portugal" selected>' in page
        response = client.post("/my/profile/", form)
        assert told(response) == ["Nothing changed."]
        assert AuditEvent.objects.filter(subject=learner).count() == 1

    def test_bad_input_is_reported_and_nothing_is_saved(self, client, inputs):
        learner = LearnerFactory()
        client.force_login(learner)
        response = client.post("/my/profile/", {"answer_job-title": "", "answer_years": "abc"})
        assert response.status_code == 400
        page = text(response)
        assert 'id="id_answer_job-title_error"' in page and 'id="id_answer_years_error"' in page
        assert not ProfileValue.objects.exists() and not AuditEvent.objects.exists()

    def test_an_answer_whose_choice_was_retired_is_kept_on_save(self, client, inputs):
        learner = LearnerFactory()
        country = inputs["country"]
        ProfileValue.objects.create(user=learner, field=country, value="kenya")
        ProfileValue.objects.create(user=learner, field=inputs["job"], value="Nurse")
        country.choices = field_services.choices_from_labels(["Portugal"], previous=country.choices)
        country.save()
        client.force_login(learner)
        assert '<option value="kenya" selected>Kenya</option>' in text(client.get("/my/profile/"))
        response = client.post(
            "/my/profile/", {"answer_job-title": "Nurse", "answer_country": "kenya"}
        )
        assert told(response) == ["Nothing changed."]
        assert ProfileValue.objects.get(user=learner, field=country).value == "kenya"

    def test_costs_the_same_queries_with_many_fields(self, client, django_assert_num_queries):
        learner = LearnerFactory()
        client.force_login(learner)

        def add(start, count):
            for number in range(start, start + count):
                for kind in Kind.values:
                    field = define(
                        kind, f"{kind}-{number}", f"{kind} {number}", learner_visible=True
                    )
                    ProfileValue.objects.create(user=learner, field=field, value="7")

        add(0, 1)
        with django_assert_num_queries(PROFILE_QUERIES):
            client.get("/my/profile/")
        add(1, 20)
        with django_assert_num_queries(PROFILE_QUERIES):
            page = text(client.get("/my/profile/"))
        assert page.count('name="answer_custom_input-') == 21


# Session, user, the fields, the learner's values, and the survey check's permissions.
PROFILE_QUERIES = 6


def test_an_impersonating_admin_saves_as_the_learner_with_the_admin_recorded(
    admin_client, admin_user, inputs
):
    learner = LearnerFactory()
    admin_client.post(f"/manage/users/{learner.pk}/impersonate/", {"reason": "Ticket 77"})
    response = admin_client.post("/my/profile/", {"answer_job-title": "Nurse"})
    assert told(response) == ["Saved."]
    (event,) = AuditEvent.objects.filter(action="user.answers_saved")
    assert event.actor == learner and event.real_actor == admin_user
