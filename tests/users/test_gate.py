"""The manage-users gate: every /manage/ route, walked from Django's URL resolver."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


def manage_routes(resolver=None, prefix=""):
    """Every URL pattern under /manage/ as a route template like 'manage/users/<int:id>/'."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from manage_routes(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("manage/"):
            yield route


def concrete(route, user_id):
    def fill(match):
        kind = match.group("kind") or "str"
        return {"int": str(user_id), "uuid": str(uuid.uuid4())}.get(kind, "x")

    return "/" + CONVERTER.sub(fill, route)


ROUTES = sorted(set(manage_routes()))


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
