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
from users.models import ProfileField, ProfileValue, User

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


# The learner field filter: Learner field (pf_field) and Value (pf_value).
Kind, Type = ProfileField.Kind, ProfileField.Type


def choice(key, label, retired=False):
    return {"key": key, "label": label, "retired": retired}


@pytest.fixture
def fields(db):
    """A field of each filterable type (two kinds among them), answered by some learners, a
    staff member holding the same answer, and a retired field."""
    made = {
        "centre": ProfileField.objects.create(
            kind=Kind.REFERENCE,
            key="cost-centre",
            label="Cost centre",
            field_type=Type.CHOICE,
            choices=[choice("4100", "Finance 4100"), choice("4200", "Sales 4200")],
        ),
        "employee": ProfileField.objects.create(
            kind=Kind.REFERENCE, key="employee-id", label="Employee ID"
        ),
        "badge": ProfileField.objects.create(
            kind=Kind.REFERENCE, key="badge", label="Badge number", field_type=Type.NUMBER
        ),
        "car": ProfileField.objects.create(
            kind=Kind.SURVEY, key="car", label="Drives to work", field_type=Type.YES_NO
        ),
        "start": ProfileField.objects.create(
            kind=Kind.CUSTOM_INPUT, key="start", label="Start date", field_type=Type.DATE
        ),
        "topics": ProfileField.objects.create(
            kind=Kind.SURVEY,
            key="topics",
            label="Topics",
            field_type=Type.CHOICES,
            choices=[choice("law", "Law"), choice("tax", "Tax"), choice("tax_2", "Tax 2")],
        ),
        "old": ProfileField.objects.create(
            kind=Kind.REFERENCE, key="old", label="Old code", retired_at=NOW
        ),
    }
    answers = {
        "ada": {"centre": "4100", "employee": "E-1", "badge": "4100", "car": "yes"},
        "bo": {"centre": "4100", "employee": "E-2", "badge": "41", "topics": "law,tax"},
        "cy": {"centre": "4200", "employee": "E-3", "car": "no", "topics": "tax"},
        "di": {"start": "2026-03-01", "topics": "tax_2", "old": "x"},
        "ed": {},
    }
    people = {}
    for name, given in answers.items():
        people[name] = LearnerFactory(email=f"{name}@example.com")
        for key, value in given.items():
            ProfileValue.objects.create(user=people[name], field=made[key], value=value)
    staff = AdminFactory(email="staff@example.com")
    ProfileValue.objects.create(user=staff, field=made["centre"], value="4100")
    return {**made, "people": people}


def by_field(fields, key, value):
    return {"pf_field": str(fields[key].pk), "pf_value": value}


@pytest.mark.parametrize(
    ("key", "typed", "want"),
    [
        ("centre", "4100", ["ada", "bo"]),
        ("centre", "finance 4100", ["ada", "bo"]),
        ("centre", "Sales 4200", ["cy"]),
        ("employee", "E-2", ["bo"]),
        ("employee", "e-2", []),
        ("badge", "4100", ["ada"]),
        ("badge", "4100.0", ["ada"]),
        ("badge", "4,100", ["ada"]),
        ("car", "yes", ["ada"]),
        ("car", "No", ["cy"]),
        ("start", "2026-03-01", ["di"]),
        ("topics", "tax", ["bo", "cy"]),
        ("topics", "Tax 2", ["di"]),
        ("topics", "law", ["bo"]),
    ],
)
def test_the_list_filters_by_a_learner_field(admin_client, fields, key, typed, want):
    params = by_field(fields, key, typed)
    for sort in SORTS:
        got = emails(admin_client, LEARNERS, {**params, "sort": sort} if sort else params)
        assert sorted(got) == [f"{name}@example.com" for name in want], sort


def test_the_chosen_field_is_shown_in_words_and_kept_in_links(admin_client, fields):
    params = by_field(fields, "centre", "4100")
    response = admin_client.get(LEARNERS, {"q": "example", **params})
    page = response.content.decode()
    kept = f"q=example&amp;pf_field={fields['centre'].pk}&amp;pf_value=4100"
    assert "Cost centre: Finance 4100" in page
    assert f'href="?{kept}&amp;sort=email"' in page
    assert f"export.csv?{kept}" in page
    assert f'href="?{kept}&amp;disabled=1"' in page
    assert f'name="pf_field" value="{fields["centre"].pk}"' in page, "kept for bulk actions"
    # Its Remove link takes out the field and its value, and keeps the search.
    assert 'href="?q=example" class="chip-remove"' in page
    csv = b"".join(
        admin_client.get("/manage/users/learners/export.csv", params).streaming_content
    ).decode()
    assert sorted(line.split(",")[0] for line in csv.splitlines()[1:]) == [
        "ada@example.com",
        "bo@example.com",
    ]


def test_the_learner_field_filter_combines_with_a_search_and_a_sort(admin_client, fields):
    params = by_field(fields, "topics", "tax")
    assert emails(admin_client, LEARNERS, {"q": "bo@", **params}) == ["bo@example.com"]
    assert emails(admin_client, LEARNERS, {"q": "ada", **params}) == []
    assert emails(admin_client, LEARNERS, {"q": "example", "sort": "-email", **params}) == [
        "cy@example.com",
        "bo@example.com",
    ]


def test_pages_of_a_learner_field_filter_keep_it(admin_client, fields):
    for number in range(55):
        learner = LearnerFactory(email=f"many{number:02d}@example.com")
        ProfileValue.objects.create(user=learner, field=fields["car"], value="yes")
    params = by_field(fields, "car", "y")
    response = admin_client.get(LEARNERS, params)
    assert f"pf_field={fields['car'].pk}&amp;pf_value=y&amp;cursor=" in response.content.decode()
    assert len(emails(admin_client, LEARNERS, params)) == 56


ALL = ["ada", "bo", "cy", "di", "ed"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"pf_field": "badge", "pf_value": "abc"}, "pf_value", "“abc” is not a number"),
        ({"pf_field": "car", "pf_value": "maybe"}, "pf_value", "answer yes or no"),
        ({"pf_field": "start", "pf_value": "1/3/2026"}, "pf_value", "not a date"),
        ({"pf_field": "centre", "pf_value": "Legal"}, "pf_value", "not one of the choices"),
        ({"pf_field": "topics", "pf_value": "law,tax"}, "pf_value", "not one of the choices"),
        ({"pf_field": "employee", "pf_value": "x" * 300}, "pf_value", "at most 255"),
        ({"pf_field": "employee", "pf_value": "E-1\x00"}, "pf_value", "Null characters"),
        ({"pf_value": "4100"}, "pf_value", "Choose the learner field"),
        ({"pf_field": "999999", "pf_value": "4100"}, "pf_field", "Choose one of the"),
        ({"pf_field": "abc", "pf_value": "4100"}, "pf_field", "Choose one of the"),
        ({"pf_field": "1 OR 1=1", "pf_value": "4100"}, "pf_field", "Choose one of the"),
        ({"pf_field": "old", "pf_value": "x"}, "pf_field", "Choose one of the"),
        ({"pf_field": "centre", "pf_value": ""}, None, None),
        ({"pf_field": "centre"}, None, None),
    ],
)
def test_a_bad_learner_field_filter_is_named_next_to_its_field(
    admin_client, fields, params, field, message
):
    if params.get("pf_field") in fields:
        params = {**params, "pf_field": str(fields[params["pf_field"]].pk)}
    for extra in ({}, {"sort": "email"}, {"q": "example"}):
        response = admin_client.get(LEARNERS, {**params, **extra})
        assert response.status_code == 200
        # The list is what the other filters make it: here, every learner.
        assert sorted(emails(admin_client, LEARNERS, {**params, **extra})) == [
            f"{name}@example.com" for name in ALL
        ]
        page = response.content.decode()
        assert "filter-chips" not in page
        if field:
            assert message in " ".join(response.context["filters"].errors[field])
            assert f'id="id_{field}_error"' in page


def test_the_learner_field_choices_are_the_active_filterable_fields(admin_client, fields):
    ProfileField.objects.create(
        kind=Kind.SURVEY, key="story", label="Your story", field_type=Type.LONG_TEXT
    )
    form = admin_client.get(LEARNERS).context["filters"]
    assert form.fields["pf_field"].choices == [
        ("", "Any"),
        (
            "Learner reference field",
            [(str(fields[key].pk), fields[key].label) for key in ("centre", "employee", "badge")],
        ),
        ("Custom sign-up input", [(str(fields["start"].pk), "Start date")]),
        (
            "Onboarding survey question",
            [(str(fields[key].pk), fields[key].label) for key in ("car", "topics")],
        ),
    ]
    assert "pf_field" not in admin_client.get(STAFF).context["filters"].fields


def test_a_learner_field_filter_costs_the_same_queries_with_1_and_50_matches(admin_client, fields):
    for number in range(50):
        learner = LearnerFactory(email=f"many{number:02d}@example.com")
        ProfileValue.objects.create(user=learner, field=fields["centre"], value="4200")

    def count(params):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(LEARNERS, params).status_code == 200
        return len(queries)

    count({})
    plain = count({})
    one, fifty = by_field(fields, "employee", "E-1"), by_field(fields, "centre", "4200")
    assert count(one) == count(fifty) == plain
    assert count({**one, "sort": "email"}) == count({**fifty, "sort": "email"}) == plain
    assert count({**one, "q": "example"}) == count({**fifty, "q": "example"})
    assert count({**one, "q": "example"}) == count({"q": "example"})
