"""Scale: every /manage/ page makes as many queries with a lot of data as with a little.

Each page is rendered as an admin with "small" data (one learner with one row of each kind,
one of each school-wide row) and then "large" data (another learner with LARGE rows of every
kind, LARGE more learners, content, fields, sessions... more than any page size). The counts
must be equal; when they are not, the failure lists the queries only the large run made.

Every route comes from the URL resolver (tests.users.test_gate.ROUTES): a new /manage/ route
fails `test_every_manage_route_is_budgeted` until it is measured here or excluded with a reason.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext, ContextList

import access.selectors
import activity.selectors
import engagement.selectors
import payments.selectors
import users.selectors
from activity.models import ActivitySettings
from batch.models import BulkJob
from lms.templates import TemplateQueryError
from tests.budget import (
    assert_no_more_queries,
    assert_same_queries,
    describe_difference,
    fetch,
    measure,
    normalise,
    populate,
)
from tests.factories import LearnerFactory
from tests.users.test_gate import CONVERTER, ROUTES
from transcripts.selectors import field_values_page
from users.models import User
from users.paging import Page

pytestmark = pytest.mark.django_db

LARGE = 60


@dataclass(frozen=True)
class Budget:
    """A page measured with small and large data: its expected status and query strings.

    `rows` opens the page on other rows too: each maps a route id to the `populate` id to use
    in its place ({} is the route's own), for a row whose page draws more (a parent, a plan).
    """

    status: int = 200
    queries: tuple = ("",)
    rows: tuple = ({},)


PAGES = {
    "manage/": Budget(),
    "manage/impersonations/": Budget(),
    "manage/reports/content-actions/": Budget(queries=("", "?email={email}", "?export=csv")),
    "manage/reports/learner-progress/": Budget(queries=("", "?email={email}", "?export=csv")),
    "manage/settings/access/": Budget(),
    "manage/settings/activity/": Budget(),
    "manage/settings/certification/": Budget(),
    "manage/settings/certification/fields/<int:field_id>/": Budget(),
    "manage/settings/learner-fields/": Budget(),
    "manage/settings/learner-fields/<int:learner_field_id>/": Budget(),
    "manage/settings/learner-fields/add/": Budget(),
    "manage/settings/users/": Budget(),
    "manage/users/<int:user_id>/": Budget(status=302),  # the record opens on its first tab
    "manage/users/<int:user_id>/access/": Budget(),
    "manage/users/<int:user_id>/access/<int:grant_id>/": Budget(
        rows=({}, {"grant_id": "subscription_grant_id"})  # content a subscription opened
    ),
    "manage/users/<int:user_id>/activity/": Budget(),
    "manage/users/<int:user_id>/activity/attempts/<int:attempt_id>/forgive/": Budget(),
    # GET: the confirmation as a page (no JavaScript)
    "manage/users/<int:user_id>/activity/attempts/<int:attempt_id>/unforgive/": Budget(),
    "manage/users/<int:user_id>/activity/awards/grant/": Budget(),
    "manage/users/<int:user_id>/activity/certificates/<int:certificate_id>/revoke/": Budget(),
    "manage/users/<int:user_id>/details/": Budget(),
    "manage/users/<int:user_id>/disable/": Budget(),  # GET: the confirmation as a page
    "manage/users/<int:user_id>/enable/": Budget(),
    "manage/users/<int:user_id>/engagement/": Budget(),
    "manage/users/<int:user_id>/impersonate/": Budget(),
    "manage/users/<int:user_id>/payments/": Budget(),
    "manage/users/<int:user_id>/payments/transactions/<int:transaction_id>/refund/": Budget(),
    "manage/users/<int:user_id>/privacy/erase/": Budget(),
    "manage/users/<int:user_id>/transcript/": Budget(queries=("", "?in_progress=1")),
    "manage/users/<int:user_id>/transcript/csv/": Budget(queries=("", "?in_progress=1")),
    "manage/users/<int:user_id>/transcript/pdf/<int:export_id>/download/": Budget(),
    "manage/users/<int:user_id>/transcript/pdf/<int:export_id>/status/": Budget(),
    "manage/users/bulk/<int:job_id>/": Budget(),
    "manage/users/bulk/<int:job_id>/progress/": Budget(),
    "manage/users/import/": Budget(),
    "manage/users/learners/": Budget(
        queries=(
            "",
            "?disabled=1",
            "?sort=-last_sign_in",
            "?sort=email",
            "?q=budget",
            "?q=bu",
        )
    ),
    "manage/users/learners/bulk/": Budget(status=302),  # GET sends back to the list
    "manage/users/learners/export.csv": Budget(queries=("", "?q=budget")),
    "manage/users/staff/": Budget(
        queries=("", "?role=customer_service", "?q=budget", "?sort=email")
    ),
}

# Measured, but allowed fewer queries with large data (never more), and why.
FEWER_WITH_LARGE_DATA = {}

POST_ONLY = "POST-only action (GET answers 405): nothing to render"
EXCLUDED = {
    "manage/settings/certification/fields/add/": POST_ONLY,
    "manage/settings/learner-fields/<int:learner_field_id>/delete/": POST_ONLY,
    "manage/settings/learner-fields/<int:learner_field_id>/move-down/": POST_ONLY,
    "manage/settings/learner-fields/<int:learner_field_id>/move-up/": POST_ONLY,
    "manage/settings/learner-fields/<int:learner_field_id>/restore/": POST_ONLY,
    "manage/settings/learner-fields/<int:learner_field_id>/retire/": POST_ONLY,
    "manage/users/<int:user_id>/access/<int:grant_id>/reinstate/": POST_ONLY,
    "manage/users/<int:user_id>/access/<int:grant_id>/revoke/": POST_ONLY,
    "manage/users/<int:user_id>/access/add/": POST_ONLY,
    "manage/users/<int:user_id>/access/seat/": POST_ONLY,
    "manage/users/<int:user_id>/activity/certificates/issue/": POST_ONLY,
    "manage/users/<int:user_id>/emails/<int:email_id>/retry/": POST_ONLY,
    "manage/users/<int:user_id>/engagement/complete/": POST_ONLY,
    "manage/users/<int:user_id>/engagement/reset/": POST_ONLY,
    "manage/users/<int:user_id>/learner-record/": POST_ONLY,
    "manage/users/<int:user_id>/payments/cards/<int:card_id>/default/": POST_ONLY,
    "manage/users/<int:user_id>/payments/cards/<int:card_id>/remove/": POST_ONLY,
    "manage/users/<int:user_id>/payments/subscriptions/<int:subscription_id>/cancel/": POST_ONLY,
    "manage/users/<int:user_id>/privacy/erase/cancel/": POST_ONLY,
    "manage/users/<int:user_id>/privacy/export/": POST_ONLY,
    "manage/users/<int:user_id>/resend-invite/": POST_ONLY,
    "manage/users/<int:user_id>/transcript/pdf/": POST_ONLY,
    "manage/users/learners/bulk/apply/": POST_ONLY,
}

# Every paged list of the /manage/ pages: LARGE rows must overflow each of them.
PAGE_SIZES = {
    "learners": users.selectors.PAGE_SIZE,
    "record history": users.selectors.history_page.__kwdefaults__["size"],
    "access tab": access.selectors.PAGE_SIZE,
    "attempts": activity.selectors.ATTEMPTS_PAGE_SIZE,
    "awards": activity.selectors.AWARDS_PAGE_SIZE,
    "certificates": activity.selectors.CERTIFICATES_PAGE_SIZE,
    "reports": engagement.selectors.PAGE_SIZE,
    "recent actions": engagement.selectors.RECENT_ACTIONS,
    "transactions": payments.selectors.PAGE_SIZE,
    "transcript field values": field_values_page.__kwdefaults__["size"],
    "impersonation log": 50,
}


def url_for(route, ids, query="", row=None):
    """The route with its <int:...> parts filled from `ids` (KeyError names a missing id);
    `row` names other ids to use for some parts (see Budget.rows)."""
    ids = {**ids, **{name: ids[other] for name, other in (row or {}).items()}}
    return (
        "/"
        + CONVERTER.sub(lambda match: str(ids[match.group("name")]), route)
        + (query.format(**ids))
    )


@pytest.fixture
def school(settings, tmp_path):
    """Templates may not query; PDFs go to a scratch directory; every optional section on."""
    settings.TEMPLATE_QUERIES_FORBIDDEN = True
    settings.MEDIA_ROOT = tmp_path / "media"
    switches = ActivitySettings.load()
    switches.gamification = True
    switches.save()


def test_every_manage_route_is_budgeted():
    routes = set(ROUTES)
    assert not set(PAGES) & set(EXCLUDED), "A route is both measured and excluded"
    forgotten = sorted(routes - set(PAGES) - set(EXCLUDED))
    assert not forgotten, (
        "New /manage/ routes: add each to PAGES (measured small vs large) or to EXCLUDED "
        f"(with the reason): {forgotten}"
    )
    gone = sorted((set(PAGES) | set(EXCLUDED)) - routes)
    assert not gone, f"Routes no longer in the URL conf: {gone}"


def test_every_exception_is_a_measured_page():
    assert set(FEWER_WITH_LARGE_DATA) <= set(MEASURED)


def test_large_data_overflows_every_page_size():
    too_small = {name: size for name, size in PAGE_SIZES.items() if size >= LARGE}
    assert not too_small, f"LARGE={LARGE} no longer pages these lists: {too_small}"


@pytest.mark.parametrize("route", sorted(EXCLUDED))
def test_excluded_routes_render_nothing_on_get(admin_client, admin_user, school, route):
    ids = populate(1, admin=admin_user)
    assert admin_client.get(url_for(route, ids)).status_code == 405


def _pages_in(response):
    """Every keyset Page the response's template context holds (one level deep)."""
    found = []
    contexts = response.context
    if contexts is None:
        return found
    for context in contexts if isinstance(contexts, ContextList) else [contexts]:
        for value in context.flatten().values():
            candidates = [value]
            if isinstance(value, dict):
                candidates += value.values()
            elif hasattr(value, "__dataclass_fields__"):
                candidates += vars(value).values()
            found += [item for item in candidates if isinstance(item, Page)]
    return found


MEASURED = [(route, query) for route, budget in sorted(PAGES.items()) for query in budget.queries]
MEASURED_ROWS = [(route, query, row) for route, query in MEASURED for row in PAGES[route].rows]


def _row_label(row):
    return "".join(f"[{name}={other}]" for name, other in row.items())


@pytest.mark.parametrize(
    ("route", "query", "row"),
    MEASURED_ROWS,
    ids=[f"{r}{q}{_row_label(row)}" for r, q, row in MEASURED_ROWS],
)
def test_page_costs_the_same_queries_with_small_or_large_data(
    admin_client, admin_user, school, route, query, row
):
    expected = PAGES[route].status
    small = populate(1, admin=admin_user)
    small_url = url_for(route, small, query, row)
    # Warm first-request caches (session, permissions, content types, settings rows).
    assert fetch(admin_client, small_url).status_code == expected
    small_response, small_queries = measure(admin_client, small_url)

    large = populate(LARGE, admin=admin_user)
    large_url = url_for(route, large, query, row)
    large_response, large_queries = measure(admin_client, large_url)

    assert small_response.status_code == large_response.status_code == expected
    label = f"GET {small_url} (small) and {large_url} (large)"
    if (route, query) in FEWER_WITH_LARGE_DATA:
        assert_no_more_queries(label, small_queries, large_queries)
    else:
        assert_same_queries(label, small_queries, large_queries)
    # Every paged list of the page shows a full page and a link to the next one.
    short = [page for page in _pages_in(large_response) if not page.next_cursor]
    assert not short, f"{large_url}: lists that did not overflow with large data: {short}"


# A learner with no history at all: lists that are empty must not skip a query (a
# prefetch or a subquery Django leaves out for no rows) nor add one.
RECORD_PAGES = [
    (route, query)
    for route, query in MEASURED
    if route.startswith("manage/users/<int:user_id>/")
    and set(CONVERTER.findall(route)) == {("int", "user_id")}
]


@pytest.mark.parametrize(("route", "query"), RECORD_PAGES, ids=[f"{r}{q}" for r, q in RECORD_PAGES])
def test_record_page_costs_the_same_queries_for_an_empty_learner(
    admin_client, admin_user, school, route, query
):
    expected = PAGES[route].status
    ids = populate(1, admin=admin_user)
    url = url_for(route, ids, query)
    assert fetch(admin_client, url).status_code == expected
    _, with_history = measure(admin_client, url)
    empty = {**ids, "user_id": LearnerFactory().pk}
    empty_url = url_for(route, empty, query)
    response, without_history = measure(admin_client, empty_url)
    assert response.status_code == expected
    assert_same_queries(
        f"GET {empty_url} (empty) and {url} (one of each)", without_history, with_history
    )


# The failure message: what a reader sees when a page grows an N+1.


def test_a_broken_budget_names_the_extra_queries(admin_user):
    User.objects.bulk_create(User(email=f"n-plus-one-{i}@example.com") for i in range(3))

    def roles_one_by_one(count):
        with CaptureQueriesContext(connection) as captured:
            for user in User.objects.order_by("id")[:count]:
                list(user.groups.all())
        return captured.captured_queries

    small, large = roles_one_by_one(1), roles_one_by_one(3)
    with pytest.raises(AssertionError) as failure:
        assert_same_queries("GET /example/", small, large)
    message = str(failure.value)
    assert "2 queries with small data, 4 with large data" in message
    assert '×2 SELECT "auth_group"' in message
    assert 'WHERE "users_user_groups"."user_id" = #' in message
    assert "Only (or more often) with small data" not in message


def test_normalised_sql_ignores_values_but_keeps_the_query():
    a = """SELECT "x" FROM "t" WHERE "t"."id" IN (1, 2, 3) AND "name" = 'O''Neil' LIMIT 21"""
    b = """SELECT "x" FROM "t" WHERE "t"."id" IN (7)  AND "name" = 'Ann' LIMIT 50"""
    assert (
        normalise(a)
        == normalise(b)
        == ('SELECT "x" FROM "t" WHERE "t"."id" IN (…) AND "name" = ? LIMIT #')
    )
    assert "RELEASE SAVEPOINT" in describe_difference(
        "x", [], [{"sql": 'RELEASE SAVEPOINT "s1403_x2"'}]
    )


# The template guard (lms/templates.py): a template that queries fails loudly in tests.


def _bulk_job_lazily_loaded(admin):
    job = BulkJob.objects.create(actor=admin, action="disable", total=1)
    return BulkJob.objects.get(pk=job.pk)  # job.actor not loaded: the template would query


def test_the_project_renders_through_the_guard():
    assert [engine["BACKEND"] for engine in django_settings.TEMPLATES] == [
        "lms.templates.QueryFreeDjangoTemplates"
    ]


def test_a_template_that_queries_fails_naming_the_query(admin_user, settings):
    settings.TEMPLATE_QUERIES_FORBIDDEN = True  # on by default in development and tests
    job = _bulk_job_lazily_loaded(admin_user)
    with pytest.raises(TemplateQueryError, match=r'A template tried to query.*"users_user"'):
        render_to_string("batch/bulk_job.html", {"job": job, "label": "Disable"})


def test_a_template_given_its_data_renders(admin_user, settings):
    settings.TEMPLATE_QUERIES_FORBIDDEN = True
    job = BulkJob.objects.select_related("actor").get(pk=_bulk_job_lazily_loaded(admin_user).pk)
    with CaptureQueriesContext(connection) as captured:
        html = render_to_string("batch/bulk_job.html", {"job": job, "label": "Disable"})
    assert admin_user.email in html
    assert len(captured) == 0


def test_production_renders_a_querying_template_rather_than_fail(admin_user, settings):
    settings.TEMPLATE_QUERIES_FORBIDDEN = False
    job = _bulk_job_lazily_loaded(admin_user)
    html = render_to_string("batch/bulk_job.html", {"job": job, "label": "Disable"})
    assert admin_user.email in html
