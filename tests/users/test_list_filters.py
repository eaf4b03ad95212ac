"""Users > Learners and Users > Staff: filters combined with the search, kept in every link,
and the same learners whatever the order (an oracle: a plain Python filter)."""

import itertools
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import SublicenseSeat
from tests.access.factories import SublicenseFactory
from tests.factories import AdminFactory, LearnerFactory, SuperuserFactory, SupportFactory
from users import search
from users.models import User

LEARNERS = "/manage/users/learners/"
STAFF = "/manage/users/staff/"
NOW = timezone.now()
SORTS = ["", "name", "-name", "email", "-email", "last_sign_in", "-last_sign_in"]


def emails(client, url, params):
    """Every e-mail the list shows for these parameters, following Next to the end."""
    seen, params = [], dict(params)
    for _ in range(20):
        response = client.get(url, params)
        assert response.status_code == 200
        seen += [row.email for row in response.context["rows"]]
        cursor = response.context["page"].next_cursor
        if not cursor:
            return seen
        params["cursor"] = cursor
    raise AssertionError("the list did not end")


@pytest.fixture
def school(db):
    """Learners spread over sign-in dates, status, names and two sublicenses of a Panorama;
    staff of every kind among them."""
    north = SublicenseFactory(name="North")
    south = SublicenseFactory(panorama=north.panorama, name="South")
    other = SublicenseFactory(name="Elsewhere")
    people = []
    for i in range(64):
        login = None if i % 4 == 0 else NOW - timedelta(days=i * 3)
        user = LearnerFactory(
            email=f"{'sonia' if i % 5 == 0 else 'kim'}{i:02d}@example.com",
            first_name=["Sonia", "Zoë", "Hugo", "Ann"][i % 4],
            last_name=["Sontag", "Briulski", "Anderson", "Lee", "Mason"][i % 5],
            last_login=login,
            is_active=i % 7 != 0,
        )
        team = [north, south, other, None][i % 4 if i % 3 else 3]
        if team is not None:
            SublicenseSeat.objects.create(user=user, panorama=team.panorama, sublicense=team)
        people.append((user, team))
    staff = [AdminFactory(first_name="Sonia"), SupportFactory(), SuperuserFactory()]
    for person in staff:
        SublicenseSeat.objects.create(user=person, panorama=north.panorama, sublicense=north)
    return {"people": people, "staff": staff, "north": north, "south": south, "other": other}


def expected(school, *, query="", disabled=False, seat=None, since=None, until=None, never=False):
    term = search.fold(search.normalise(query))
    kept = []
    for user, team in school["people"]:
        if user.is_active == disabled:
            continue
        keys = [
            search.fold(user.email),
            search.fold(f"{user.first_name} {user.last_name}"),
            search.fold(f"{user.last_name} {user.first_name}"),
        ]
        if term and not any(
            (term in key) if len(term) >= 3 else key.startswith(term) for key in keys
        ):
            continue
        if seat == "panorama" and team not in (school["north"], school["south"]):
            continue
        if seat == "south" and team != school["south"]:
            continue
        if never and user.last_login is not None:
            continue
        if since and (user.last_login is None or user.last_login.date() < since):
            continue
        if until and (user.last_login is None or user.last_login.date() > until):
            continue
        kept.append(user.email)
    return sorted(kept)


@pytest.mark.parametrize("query", ["", "son", "hugo anderson", "zo"])
def test_every_filter_and_order_equals_a_plain_filter(admin_client, school, query):
    since = (NOW - timedelta(days=60)).date()
    until = (NOW - timedelta(days=9)).date()
    seats = {
        None: {},
        "panorama": {"seat": f"p{school['north'].panorama_id}"},
        "south": {"seat": f"s{school['south'].pk}"},
    }
    dates = {
        "any": {},
        "range": {"signed_in_from": since.isoformat(), "signed_in_to": until.isoformat()},
        "never": {"never_signed_in": "1"},
    }
    for disabled, seat, when in itertools.product([False, True], seats, dates):
        params = {"q": query, **seats[seat], **dates[when]}
        if disabled:
            params["disabled"] = "1"
        want = expected(
            school,
            query=query,
            disabled=disabled,
            seat=seat,
            since=since if when == "range" else None,
            until=until if when == "range" else None,
            never=when == "never",
        )
        for sort in SORTS:
            got = emails(admin_client, LEARNERS, {**params, "sort": sort} if sort else params)
            assert len(got) == len(set(got)), (params, sort)
            assert sorted(got) == want, (params, sort)


def test_staff_are_listed_apart_from_learners(admin_client, admin_user, school):
    learners = emails(admin_client, LEARNERS, {})
    staff = emails(admin_client, STAFF, {})
    assert not set(learners) & set(staff)
    assert {person.email for person in school["staff"]} | {admin_user.email} == set(staff)
    assert emails(admin_client, LEARNERS, {"q": "sonia"}) == [
        email for email in emails(admin_client, LEARNERS, {"q": "sonia"}) if "school" not in email
    ]
    assert school["staff"][0].email in emails(admin_client, STAFF, {"q": "sonia"})


def test_the_staff_list_filters_by_role(admin_client, admin_user, school):
    admin, support, root = school["staff"]
    assert set(emails(admin_client, STAFF, {"role": "admin"})) == {admin.email, admin_user.email}
    assert emails(admin_client, STAFF, {"role": "customer_service"}) == [support.email]
    page = admin_client.get(STAFF).content.decode()
    assert "Staff" in page and 'aria-current="page"' in page
    assert 'name="user"' not in page, "no bulk selection of staff"
    assert root.email in page


def test_filters_are_kept_in_sort_links_pages_export_and_status_toggle(admin_client, school):
    seat = f"p{school['north'].panorama_id}"
    response = admin_client.get(LEARNERS, {"q": "son", "seat": seat, "never_signed_in": "1"})
    page = response.content.decode()
    kept = f"q=son&amp;never_signed_in=1&amp;seat={seat}"
    assert f'href="?{kept}&amp;sort=email"' in page
    assert f"export.csv?{kept}" in page
    assert f'href="?{kept}&amp;disabled=1"' in page
    assert "Panorama or sublicense:" in page and "every seat" in page
    assert response.context["rows"], "the search and filters find learners"
    assert "Never signed in: yes" in page
    # Removing one filter keeps the search and the others.
    assert 'href="?q=son&amp;never_signed_in=1"' in page
    csv = b"".join(
        admin_client.get(
            "/manage/users/learners/export.csv", {"seat": seat, "never_signed_in": "1"}
        ).streaming_content
    ).decode()
    want = expected(school, seat="panorama", never=True)
    assert sorted(line.split(",")[0] for line in csv.splitlines()[1:]) == want


def test_a_count_is_shown_without_a_search(admin_client, school):
    page = admin_client.get(LEARNERS, {"seat": f"p{school['north'].panorama_id}"})
    want = len(expected(school, seat="panorama"))
    assert f"{want} learners" in page.content.decode()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"signed_in_from": "2026-02-30"}, "signed_in_from", "Enter a valid date."),
        (
            {"signed_in_from": "2026-05-02", "signed_in_to": "2026-05-01"},
            "signed_in_to",
            "on or after",
        ),
        (
            {"signed_in_from": "2026-05-02", "never_signed_in": "1"},
            "never_signed_in",
            "clear the dates",
        ),
        ({"seat": "p999999"}, "seat", "Select a valid choice"),
        ({"seat": "x'; DROP TABLE users_user; --"}, "seat", "Select a valid choice"),
        ({"role": "superuser"}, None, None),
    ],
)
def test_a_bad_filter_is_named_next_to_its_field_and_left_out(
    admin_client, school, params, field, message
):
    response = admin_client.get(LEARNERS, params)
    assert response.status_code == 200
    # The list is what it is without that filter.
    since = params.get("signed_in_from") if field != "signed_in_from" else None
    assert sorted(emails(admin_client, LEARNERS, params)) == expected(
        school, since=date.fromisoformat(since) if since else None
    )
    if field:
        form = response.context["filters"]
        assert message in " ".join(form.errors[field])
        assert f'id="id_{field}_error"' in response.content.decode()


def test_filtered_pages_cost_the_same_queries_as_the_plain_list(admin_client, school):
    def count(params):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(LEARNERS, params).status_code == 200
        return len(queries)

    count({})
    plain = count({})
    seat = {"seat": f"s{school['south'].pk}"}
    assert count({**seat, "never_signed_in": "1"}) == plain
    assert count({**seat, "signed_in_from": "2020-01-01", "sort": "email"}) == plain
    assert count({"q": "son", **seat}) == count({"q": "son"})


def test_bulk_select_all_matching_takes_the_filters(admin_client, school):
    seat = f"p{school['north'].panorama_id}"
    response = admin_client.post(
        "/manage/users/learners/bulk/",
        {"all_matching": "1", "seat": seat, "never_signed_in": "1", "action": "disable"},
    )
    assert response.status_code == 200
    want = expected(school, seat="panorama", never=True)
    assert 0 < response.context["count"] == len(want) < len(expected(school))
    page = response.content.decode()
    assert f'name="seat" value="{seat}"' in page
    assert User.objects.filter(is_active=False).count() == sum(
        1 for user, _ in school["people"] if not user.is_active
    ), "nothing changes before the confirmation"
