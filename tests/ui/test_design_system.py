"""The admin screens' shared pieces, as a client sees them (issue 23)."""

import pytest
from django.utils import timezone

from access.services import access_grant
from tests.access.factories import ContentFactory
from tests.factories import LearnerFactory

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def test_record_header_shows_status_role_sign_in_and_the_summary_on_every_tab(admin_client):
    learner = LearnerFactory(first_name="Ada", last_name="Byron", last_login=timezone.now())
    access_grant(user=learner, item=ContentFactory(title="One"), actor=None)
    access_grant(user=learner, item=ContentFactory(title="Two"), actor=None)
    for tab in ("details", "access", "activity", "engagement", "payments", "transcript"):
        page = text(admin_client.get(f"/manage/users/{learner.pk}/{tab}/"))
        assert "Ada Byron" in page and learner.email in page and "Learner" in page, tab
        assert 'class="badge badge-success">Active' in page, tab
        assert "Last sign-in:" in page, tab
        assert "<strong>2</strong> enrolments" in page, tab
        assert "<strong>0</strong> completed" in page, tab
        assert "<strong>0</strong> certificates" in page and "<strong>0</strong> awards" in page


def test_picker_offers_titles_without_slugs_and_finds_the_item_by_them(admin_client):
    learner = LearnerFactory()
    ContentFactory(title="Code of Conduct", slug="code-of-conduct")
    page = text(admin_client.get(f"/manage/users/{learner.pk}/access/"))
    assert '<option value="Code of Conduct (Course)"></option>' in page
    assert "[content:" not in page
    response = admin_client.post(
        f"/manage/users/{learner.pk}/access/add/", {"item": "Code of Conduct (Course)"}
    )
    assert response.status_code == 302
    assert learner.access_grants.filter(content__slug="code-of-conduct").exists()


def test_a_failed_form_opens_with_an_error_summary_linking_each_field(admin_client):
    learner = LearnerFactory()
    response = admin_client.post(f"/manage/users/{learner.pk}/access/add/", {"item": "Nope"})
    page = text(response)
    assert response.status_code == 400
    assert "data-error-summary" in page and "There is a problem: nothing was saved" in page
    assert '<li><a href="#id_item">Content, learning path or subscription</a></li>' in page


def test_impersonation_banner_names_the_reason_and_the_minutes_left(admin_client):
    learner = LearnerFactory(first_name="Ivy", last_name="Lee")
    admin_client.post(f"/manage/users/{learner.pk}/impersonate/", {"reason": "Ticket 77"})
    page = text(admin_client.get("/"))
    assert "You are signed in as Ivy Lee" in page
    assert "Reason: Ticket 77" in page
    assert " min left</time>" in page and "Stop impersonating" in page
