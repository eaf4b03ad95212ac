"""The grant page of content a subscription or learning path opened."""

import pytest

from access import services
from access.models import AccessGrant
from tests.access.factories import ContentFactory, LearningPathFactory, PlanFactory

pytestmark = pytest.mark.django_db


def tab_url(user):
    return f"/manage/users/{user.pk}/access/"


@pytest.mark.parametrize("kind", ["plan", "path"])
def test_grant_page_of_content_opened_by_a_plan_or_path_makes_no_template_query(
    admin_client, admin_user, learner, kind
):
    course = ContentFactory(title="Video one")
    item = (
        PlanFactory(name="All Access", contents=[course])
        if kind == "plan"
        else LearningPathFactory(title="All Access", contents=[course])
    )
    services.access_grant(user=learner, item=item, actor=admin_user)
    child = AccessGrant.objects.get(user=learner, content=course)
    response = admin_client.get(f"{tab_url(learner)}{child.pk}/")
    assert response.status_code == 200
    assert "(via All Access)" in response.content.decode()
