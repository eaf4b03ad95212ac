import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from access.services import access_grant
from activity import services
from activity.models import ActivitySettings, AwardGrant
from tests.activity.factories import AwardTypeFactory, ContentFactory
from users.models import AuditEvent

pytestmark = pytest.mark.django_db


def tab_url(user):
    return f"/manage/users/{user.pk}/activity/"


def grant_url(user):
    return f"/manage/users/{user.pk}/activity/awards/grant/"


@pytest.fixture
def gamification(admin_user):
    services.activity_settings_update(actor=admin_user, gamification=True)


@pytest.fixture
def course(learner):
    content = ContentFactory(title="Negotiation Basics")
    access_grant(user=learner, item=content, actor=None)
    return content


def test_grant_adds_to_totals_and_history(admin_user, learner, course, gamification):
    star = AwardTypeFactory()
    badge = AwardTypeFactory(singular="Badge", plural="Badges", icon="")
    services.award_grant(
        user=learner, award_type=star, quantity=3, content=course, actor=admin_user, note="Great"
    )
    services.award_grant(
        user=learner, award_type=star, quantity=2, content=course, actor=admin_user
    )
    services.award_grant(
        user=learner, award_type=badge, quantity=1, content=course, actor=admin_user
    )
    event = AuditEvent.objects.filter(action="activity.award_granted").first()
    assert event.actor == admin_user and event.subject == learner
    assert AuditEvent.objects.filter(action="activity.award_granted").count() == 3

    from django.test import Client

    client = Client()
    client.force_login(admin_user)
    page = client.get(tab_url(learner)).content.decode()
    assert "<strong>1</strong> Badge" in page
    assert "<strong>5</strong> Stars" in page
    assert "Great" in page and "Negotiation Basics" in page


@pytest.mark.parametrize("quantity", [0, -1, 1001, 10**12, "3", 2.5, True])
def test_service_refuses_bad_quantities(admin_user, learner, course, quantity):
    with pytest.raises(ValidationError):
        services.award_grant(
            user=learner,
            award_type=AwardTypeFactory(),
            quantity=quantity,
            content=course,
            actor=admin_user,
        )
    assert not AwardGrant.objects.exists()


def test_learner_cannot_grant_themselves(learner, course):
    with pytest.raises(PermissionDenied):
        services.award_grant(
            user=learner, award_type=AwardTypeFactory(), quantity=1, content=course, actor=learner
        )


def test_manually_grant_award_form_saves(admin_client, learner, course, gamification):
    star = AwardTypeFactory()
    page = admin_client.get(tab_url(learner)).content.decode()
    assert "Manually Grant Award" in page
    form = admin_client.get(grant_url(learner)).content.decode()
    for label in ("Award Type", "Quantity", "Content", "Save"):
        assert label in form
    response = admin_client.post(
        grant_url(learner),
        {"award_type": star.pk, "quantity": "4", "content": course.pk, "note": ""},
        follow=True,
    )
    assert "Granted 4 Stars for Negotiation Basics" in response.content.decode()
    assert AwardGrant.objects.get().quantity == 4


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Enter a whole number from 1 to 1000."),
        ("-3", "Enter a whole number from 1 to 1000."),
        ("abc", "Enter a whole number."),
        ("1.5", "Enter a whole number."),
        ("1001", "Enter a whole number from 1 to 1000."),
        ("9" * 400, "Enter a whole number"),
        ("", "This field is required."),
    ],
)
def test_bad_quantity_is_refused_at_the_field(
    admin_client, learner, course, gamification, quantity, message
):
    star = AwardTypeFactory()
    response = admin_client.post(
        grant_url(learner), {"award_type": star.pk, "quantity": quantity, "content": course.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["quantity"]
    page = response.content.decode()
    assert 'id="id_quantity_error"' in page and message in page
    assert not AwardGrant.objects.exists()


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("award_type", {"award_type": "999999", "content": "course"}),
        ("award_type", {"award_type": "x", "content": "course"}),
        ("content", {"award_type": "star", "content": "other"}),
        ("content", {"award_type": "star", "content": ""}),
    ],
)
def test_bad_type_or_content_is_refused(admin_client, learner, course, gamification, field, data):
    star = AwardTypeFactory()
    other = ContentFactory()
    values = {"star": star.pk, "course": course.pk, "other": other.pk}
    post = {key: values.get(value, value) for key, value in data.items()}
    response = admin_client.post(grant_url(learner), {**post, "quantity": "1"})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not AwardGrant.objects.exists()


def test_gamification_switch_shows_and_hides_awards(admin_client, admin_user, learner, course):
    AwardTypeFactory()
    assert ActivitySettings.load().gamification is False
    page = admin_client.get(tab_url(learner)).content.decode()
    assert "Awards" not in page and "Manually Grant Award" not in page
    refused = admin_client.post(
        grant_url(learner),
        {"award_type": AwardTypeFactory().pk, "quantity": "1", "content": course.pk},
    )
    assert "turn gamification on" in refused.content.decode()
    assert not AwardGrant.objects.exists()

    response = admin_client.post("/manage/settings/activity/", {"gamification": "on"}, follow=True)
    assert "Activity settings saved: gamification turned on." in response.content.decode()
    assert ActivitySettings.load().gamification is True
    assert "Manually Grant Award" in admin_client.get(tab_url(learner)).content.decode()
    event = AuditEvent.objects.get(action="activity.settings_changed")
    assert event.changes == {"gamification": [False, True]} and event.subject is None

    admin_client.post("/manage/settings/activity/", {})
    assert ActivitySettings.load().gamification is False
    assert "Manually Grant Award" not in admin_client.get(tab_url(learner)).content.decode()


def test_customer_service_cannot_switch_gamification(support_client):
    assert support_client.get("/manage/settings/activity/").status_code == 403
    response = support_client.post("/manage/settings/activity/", {"gamification": "on"})
    assert response.status_code == 403
    assert ActivitySettings.load().gamification is False


def test_customer_service_grants_awards(support_client, learner, course, gamification):
    star = AwardTypeFactory()
    response = support_client.post(
        grant_url(learner), {"award_type": star.pk, "quantity": "1", "content": course.pk}
    )
    assert response.status_code == 302
    assert AwardGrant.objects.get().granted_by.email.startswith("support")


def test_learner_sees_award_totals_when_gamification_is_on(
    client, admin_user, learner, course, gamification
):
    services.award_grant(
        user=learner, award_type=AwardTypeFactory(), quantity=1, content=course, actor=admin_user
    )
    client.force_login(learner)
    assert "<strong>1</strong> Star" in client.get("/my/certificates/").content.decode()
    services.activity_settings_update(actor=admin_user, gamification=False)
    assert "My awards" not in client.get("/my/certificates/").content.decode()
