"""Learner search: every order, every page, equals a plain Python filter over the same
learners (on SQLite and PostgreSQL), and on PostgreSQL each tier uses its index."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import LearnerFactory
from users import search, selectors
from users.models import NEVER_SIGNED_IN, User
from users.paging import encode_cursor

pytestmark = pytest.mark.django_db
URL = "/manage/users/learners/"
SORTS = ["relevance", *selectors.SORTS]
TERMS = [
    "hugo briulski",  # exact "first last"
    "Briulski Hugo",  # exact "last first", any case
    "hugo.briulski@example.com",  # exact e-mail
    "son",  # last names, first names and e-mails starting with it, then fragments
    "zoe",  # finds Zoë
    "ZOË",
    "an",  # two characters: starts of names and e-mails only
    "a",
    "ann",
    "sen3",
    "u01",
    "example.com",
    "50%",  # LIKE's wildcards are plain characters
    "a_b",
    "nobody-at-all",
    "de la",
]


@pytest.fixture
def school():
    now = datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    firsts = ["Anna", "Bob", "Sonia", "Zoë", "Hugo", "Ann-Marie", "Johan"]
    lasts = ["Hansen", "Sontag", "Johnson", "Briulski", "de la Cruz", "Andersen", "Zoell"]
    for number in range(90):
        LearnerFactory(
            first_name=firsts[number % 7],
            last_name=f"{lasts[number % 5 + (number % 3 == 0)]}{number % 4 or ''}",
            email=f"u{number:03d}{'son' if number % 11 == 0 else ''}@example.com",
            last_login=None if number % 6 == 0 else now - datetime.timedelta(hours=number % 17),
            is_active=number % 13 != 0,
        )
    LearnerFactory(first_name="Hugo", last_name="Briulski", email="hugo.briulski@example.com")
    LearnerFactory(first_name="", last_name="Sonnet", email="a_b@example.com")
    LearnerFactory(first_name="Cent", last_name="Pour", email="50%off@example.com")
    LearnerFactory(first_name="Son", last_name="Ny", email="sonny@example.com")


def expected(query, sort, *, active=True):
    """The search the plain way: which learners match, in which order."""
    term = search.fold(search.normalise(query))
    rows = []
    for user in User.objects.filter(is_active=active):
        e = search.fold(user.email)
        fl = search.fold(f"{user.first_name} {user.last_name}".strip())
        lf = search.fold(f"{user.last_name} {user.first_name}".strip())
        seen = user.last_login or NEVER_SIGNED_IN
        if term in (e, fl, lf):
            rank = (0, lf, user.pk)
        elif lf.startswith(term):
            rank = (1, lf, user.pk)
        elif fl.startswith(term):
            rank = (2, fl, user.pk)
        elif e.startswith(term):
            rank = (3, e, user.pk)
        elif len(term) >= 3 and not search.is_email(term) and any(term in k for k in (e, fl, lf)):
            rank = (4, "", -seen.timestamp(), -user.pk)
        else:
            continue
        rows.append((rank, user))
    if sort == "relevance":
        return [user.email for _, user in sorted(rows, key=lambda row: row[0])]
    order = selectors.SORTS[sort]

    def column(user, name):
        return user.last_login or NEVER_SIGNED_IN if name == "last_seen" else getattr(user, name)

    users = [user for _, user in rows]
    for name, descending in reversed(order):
        users.sort(key=lambda user, name=name: column(user, name), reverse=descending)
    return [user.email for user in users]


def names(response):
    return [row.email for row in response.context["rows"]]


def every_page(query, sort, *, disabled=False, size=7):
    """Every page by Next, checked against the same pages by Previous from the last."""
    pages, cursor = [], None
    for _ in range(40):
        page = selectors.learner_page(
            query=query, sort=sort, cursor=cursor, size=size, disabled=disabled
        )
        pages.append([row.email for row in page.rows])
        cursor = page.next_cursor
        if not cursor:
            break
    back = page
    for earlier in reversed(pages[:-1]):
        back = selectors.learner_page(
            query=query, sort=sort, cursor=back.previous_cursor, size=size, disabled=disabled
        )
        assert [row.email for row in back.rows] == earlier
    return [email for page in pages for email in page]


@pytest.mark.parametrize("sort", SORTS)
def test_every_order_and_page_equals_a_plain_filter(school, sort):
    for query in TERMS:
        assert every_page(query, sort) == expected(query, sort), query


def test_disabled_learners_are_searched_apart(school):
    for query in ("son", "an", "hugo"):
        found = every_page(query, "relevance", disabled=True)
        assert found == expected(query, "relevance", active=False) and found


def test_relevance_puts_exact_then_starts_then_fragments(school):
    def kind(email):
        user = User.objects.get(email=email)
        if user.last_name.lower().startswith("son"):
            return "last name"
        if user.first_name.lower().startswith("son"):
            return "first name"
        return "fragment"

    found = [kind(email) for email in every_page("son", "relevance", size=50)]
    assert found == sorted(found, key=["last name", "first name", "fragment"].index)
    assert found[0] == "last name" and "first name" in found and found[-1] == "fragment"
    exact = set(
        User.objects.filter(first_name="Hugo", last_name="Briulski", is_active=True).values_list(
            "email", flat=True
        )
    )
    assert "hugo.briulski@example.com" in exact
    assert set(every_page("Hugo Briulski", "relevance")[: len(exact)]) == exact


def test_a_walk_that_runs_short_ends_on_the_index(school, monkeypatch):
    """Fragments found by the walk alone, by the index alone, or both: the same pages."""
    plain = {query: expected(query, "relevance") for query in ("son", "ann", "u01", "sen")}
    for walk in (1, 3, 10**6):
        monkeypatch.setattr(search, "WALK", walk)
        for query, emails in plain.items():
            assert every_page(query, "relevance", size=4) == emails, (walk, query)


def test_the_count_is_capped(school, monkeypatch):
    assert search.match_count("hugo briulski", active=True) == len(
        expected("hugo briulski", "relevance")
    )
    assert search.match_count("son", active=True) == len(expected("son", "relevance"))
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    for walk in (2, 10**6):
        monkeypatch.setattr(search, "WALK", walk)
        assert search.match_count("son", active=True) == 6
        assert search.match_count("an", active=True) == 6


def test_the_page_says_how_many_match(admin_client, school, monkeypatch):
    page = admin_client.get(URL, {"q": "a_b@example.com"}).content.decode()
    assert "1 learner:" in page
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    assert "5+ learners" in admin_client.get(URL, {"q": "son"}).content.decode()


@pytest.mark.parametrize(
    "values",
    [
        [9, "", 1],
        [-1, "", 1],
        [4, "not a time", 1],
        [4, "x" * 50, 1],
        [4, "2026-13-45T10:00:00+00:00", 1],  # well-formed, impossible
        [4, "2026-05-01T10:00:00", 1],  # no time zone
        [1, "a\x00b", 1],  # PostgreSQL text cannot hold NUL
        [1, "a\udc80b", 1],  # a lone surrogate is no UTF-8
        [1, "x", 2**70],  # past bigint
    ],
)
def test_a_cursor_of_no_tier_is_page_one(admin_client, school, values):
    response = admin_client.get(URL, {"q": "son", "cursor": encode_cursor("after", values)})
    assert response.status_code == 200
    assert names(response) == names(admin_client.get(URL, {"q": "son"}))


@pytest.mark.postgres
def test_each_tier_uses_its_index_on_freshly_loaded_data(db, monkeypatch):
    """seed_demo's COPY, index builds and ANALYZE (as at scale: from 100,000 learners it
    builds the indexes after loading), no other statistics: the plan of each tier. The
    walk is the same share of the table as at 1M learners (1%)."""
    from users import demo

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans")

    with connection.cursor() as cursor:
        # In the test's transaction: no deferred checks pending when the indexes are built.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    demo.seed(learners=100_000, log=lambda *args: None)
    monkeypatch.setattr(search, "WALK", 1_000)
    some = User.objects.filter(groups__isnull=True).order_by("id")[5000]

    def plan(query):
        sql, params = search.statement(query, active=True, size=51)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())

    exact = plan(some.email)
    for index in ("users_user_email_key", "users_user_first_last_key", "users_user_last_first_key"):
        assert f"Bitmap Index Scan on {index}" in exact
    fragment = plan("qxzjv")
    assert "Index Only Scan Backward using users_user_seen_order" in fragment  # the walk
    assert "Bitmap Index Scan on users_user_search_key_trgm" in fragment  # the rest
    assert "Seq Scan on users_user" not in fragment
    # Each prefix tier reads its key in order, from the index alone (the range is the
    # index condition); and so do they for a complete e-mail address.
    for term in ("li", some.email):
        prefixes = plan(term)
        for index in ("last_first", "first_last", "email"):
            assert f"Index Only Scan using users_user_{index}_key" in prefixes, (term, index)
        assert "Seq Scan on users_user" not in prefixes


def test_a_large_import_analyses_what_it_filled_and_is_found(db, monkeypatch):
    """import_users runs ANALYZE on the users table after a large import (PostgreSQL), so
    searches plan with statistics for what it loaded; and the new learners are found."""
    from batch import importing
    from tests.ops.conftest import csv_text, run_import

    monkeypatch.setattr(importing, "ANALYZE_FROM", 2)
    header = "email,first_name,last_name,phone,street,city,region,postal_code,country,role"
    with CaptureQueriesContext(connection) as queries:
        result = run_import(
            csv_text(
                header, "zoe.imported@example.com,Zoë,Nouvelle,,,,,,,", "b@example.com,B,C,,,,,,,"
            )
        )
    assert result.written
    analysed = any(query["sql"] == "ANALYZE users_user" for query in queries.captured_queries)
    assert analysed == (connection.vendor == "postgresql")
    found, count = search.page("zoe", active=True, size=10)
    assert [row.email for row in found] == ["zoe.imported@example.com"] and count == 1


def test_sorted_by_a_column_the_page_offers_best_matches_again(admin_client, school):
    page = admin_client.get(URL, {"q": "son", "sort": "email"}).content.decode()
    assert 'href="?q=son">Best matches first</a>' in page
    assert "Best matches first</a>" not in admin_client.get(URL, {"q": "son"}).content.decode()
