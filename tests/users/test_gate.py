"""The manage-users gate: every /manage/ route, walked from Django's URL resolver."""

import re
import uuid

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import LearnerFactory

CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


def manage_views(resolver=None, prefix=""):
    """(route, view) of every URL pattern under /manage/, the route a template like
    'manage/users/<int:id>/'."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from manage_views(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("manage/"):
            yield route, entry.callback


def concrete(route, user_id):
    def fill(match):
        kind = match.group("kind") or "str"
        return {"int": str(user_id), "uuid": str(uuid.uuid4())}.get(kind, "x")

    return "/" + CONVERTER.sub(fill, route)


VIEWS = sorted(manage_views(), key=lambda pair: pair[0])
ROUTES = sorted({route for route, _ in VIEWS})


def test_the_walk_finds_the_manage_pages():
    assert "manage/" in ROUTES
    assert "manage/users/learners/" in ROUTES
    assert len(ROUTES) >= 3


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_sign_in(client, learner, route, method):
    url = concrete(route, learner.pk)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith("/sign_in?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_learner_is_refused(client, learner, route, method):
    client.force_login(learner)
    response = getattr(client, method)(concrete(route, learner.pk))
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
def test_manager_gets_through(admin_client, learner, route):
    response = admin_client.get(concrete(route, learner.pk))
    assert response.status_code not in (401, 403)
    assert not (response.status_code == 302 and response.url.startswith("/sign_in"))


def test_every_manage_view_is_guarded_by_its_apps_permission_map():
    unguarded = [route for route, view in VIEWS if not hasattr(view, "need")]
    assert unguarded == [], "add these to the app's permissions.NEEDS: " + ", ".join(unguarded)
    assert len(VIEWS) == len(ROUTES)


@pytest.fixture
def bare_manager(db):
    """Someone who may manage users and nothing else: each page's own permission is missing."""
    group = Group.objects.create(name="Bare managers")
    group.permissions.add(Permission.objects.get(codename="manage_users"))
    user = LearnerFactory(email="bare@school.example")
    user.groups.add(group)
    return user


NEEDING = [(route, view.need) for route, view in VIEWS if view.need.permission or view.need.post]


def test_the_map_names_pages_that_need_more_than_managing_users():
    assert {need.permission for _, need in NEEDING} >= {
        "payments.refund_transaction",
        "users.change_usersettings",
        "engagement.view_progress",
    }


@pytest.mark.parametrize("route,need", NEEDING, ids=[route for route, _ in NEEDING])
def test_a_page_refuses_whoever_lacks_the_permission_its_map_entry_names(
    client, bare_manager, learner, route, need
):
    client.force_login(bare_manager)
    url = concrete(route, learner.pk)
    if need.permission:
        assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert client.get(concrete("manage/users/learners/", learner.pk)).status_code == 200
