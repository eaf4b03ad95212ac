import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AdminFactory, LearnerFactory
from users.selectors import PAGE_SIZE

pytestmark = pytest.mark.django_db

URL = "/manage/users/learners/"


def names(response):
    return [user.email for user in response.context["rows"]]


def test_lists_active_users_with_their_columns(admin_client):
    LearnerFactory(email="ana@example.com", first_name="Ana", last_name="Costa")
    LearnerFactory(email="off@example.com", is_active=False)
    response = admin_client.get(URL)
    page = response.content.decode()
    assert "ana@example.com" in page and "Ana Costa" in page
    assert "off@example.com" not in page
    for column in ("Name", "E-mail", "Role", "Status", "Last sign-in", "Date joined"):
        assert column in page
    assert "View Disabled" in page


def test_view_disabled_and_back(admin_client):
    LearnerFactory(email="off@example.com", is_active=False)
    response = admin_client.get(URL + "?disabled=1")
    assert names(response) == ["off@example.com"]
    assert "View Active" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "maria",
        "MARIA",
        "Silva",
        "maria silva",
        "  Maria   Silva ",
        "m.silva@ex",
        "m.silva@example.com",
    ],
)
def test_search_by_email_or_name_fragment_any_case(admin_client, query):
    LearnerFactory(email="m.silva@example.com", first_name="Maria", last_name="Silva")
    LearnerFactory(email="other@example.com", first_name="John", last_name="Smith")
    assert names(admin_client.get(URL, {"q": query})) == ["m.silva@example.com"]


def test_empty_state_says_what_was_searched(admin_client):
    page = admin_client.get(URL, {"q": "zzz-nobody"}).content.decode()
    assert "No active users match “zzz-nobody”" in page


def test_search_text_is_escaped(admin_client):
    page = admin_client.get(URL, {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_pages_forward_and_back_without_counting(admin_client):
    for number in range(PAGE_SIZE + 5):
        LearnerFactory(last_name=f"Name{number:03d}", first_name="X")
    first = admin_client.get(URL)
    assert len(first.context["rows"]) == PAGE_SIZE
    next_cursor = first.context["page"].next_cursor
    assert next_cursor and first.context["page"].previous_cursor is None
    second = admin_client.get(URL, {"cursor": next_cursor})
    assert len(second.context["rows"]) == 5 + 1  # the admin sorts among them
    back = admin_client.get(URL, {"cursor": second.context["page"].previous_cursor})
    assert names(back) == names(first)


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJhZnRlciIsIFsxXV0", "%%%"])
def test_a_bad_cursor_is_page_one(admin_client, cursor):
    assert admin_client.get(URL, {"cursor": cursor}).status_code == 200


@pytest.mark.parametrize(
    "sort", ["name", "-name", "email", "-email", "last_sign_in", "-last_sign_in", "nonsense"]
)
def test_every_sort_pages_consistently(admin_client, sort):
    for number in range(PAGE_SIZE + 3):
        LearnerFactory(email=f"l{number:03d}@example.com")
    first = admin_client.get(URL, {"sort": sort})
    second = admin_client.get(URL, {"sort": sort, "cursor": first.context["page"].next_cursor})
    seen = names(first) + names(second)
    assert len(seen) == len(set(seen)) == PAGE_SIZE + 4


def test_sort_by_email_descending(admin_client):
    LearnerFactory(email="a@example.com")
    LearnerFactory(email="z@example.com")
    assert names(admin_client.get(URL, {"sort": "-email"}))[0] == "z@example.com"


def test_query_count_is_the_same_for_one_row_and_a_full_page(admin_client):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(URL).status_code == 200
        return len(queries)

    count()  # warm
    small = count()
    for _ in range(60):
        LearnerFactory()
    AdminFactory()
    assert count() == small


def test_record_page_shows_the_header(admin_client):
    learner = LearnerFactory(email="rec@example.com", first_name="Rec", last_name="Ord")
    response = admin_client.get(f"/manage/users/{learner.pk}/", follow=True)
    page = response.content.decode()
    assert "Rec Ord" in page and "rec@example.com" in page and "Learner" in page


def test_unknown_record_is_404(admin_client):
    assert admin_client.get("/manage/users/999999/").status_code == 404


@pytest.mark.parametrize("sort", ["name", "-name", "email", "-last_sign_in"])
@pytest.mark.parametrize(
    "window",
    [10**6, 20, 3, None],
    ids=["walk", "short-walk-then-index", "tiny-walk-then-index", "priced"],
)
def test_every_search_strategy_gives_the_same_pages(db, monkeypatch, sort, window):
    """Walk, trigram index, and a walk running out: the same rows in the same order."""
    from users import selectors

    for number in range(70):
        LearnerFactory(
            first_name="Anna" if number % 3 else "Bob",
            last_name=f"Hansen{number % 7}",
            email=f"u{number:03d}@example.com",
        )
    monkeypatch.setattr(selectors, "PAGE_SIZE", 10)
    # Not through the search blocks (tests/users/test_search_blocks.py covers them).
    monkeypatch.setattr(selectors, "FEW_BLOCKS", -1)
    monkeypatch.setattr(selectors, "BLOCKS_FROM", 10**9)

    def pages(query):
        """Every page by Next, checked against the same pages by Previous from the last."""
        forwards, cursor = [], None
        for _ in range(20):
            page = selectors.learner_page(query=query, sort=sort, cursor=cursor, size=10)
            forwards.append(page)
            cursor = page.next_cursor
            if not cursor:
                break
        back = forwards[-1]
        for earlier in reversed(forwards[:-1]):
            back = selectors.learner_page(
                query=query, sort=sort, cursor=back.previous_cursor, size=10
            )
            assert [user.email for user in back.rows] == [user.email for user in earlier.rows]
        return [user.email for page in forwards for user in page.rows]

    priced = selectors._walk_budget
    monkeypatch.setattr(selectors, "_walk_budget", lambda *args: 0)  # the index path only
    expected = {query: pages(query) for query in ("ann", "an", "bo", "sen3", "u01")}
    monkeypatch.setattr(
        selectors, "_walk_budget", priced if window is None else (lambda *args: window)
    )
    for query, emails in expected.items():
        assert pages(query) == emails
    assert len(expected["ann"]) == 46 and len(expected["sen3"]) == 10
    assert len(expected["bo"]) == 24  # "Bob": the start of a word, not "u0bo"


@pytest.mark.postgres
@pytest.mark.parametrize("sort", ["name", "email", "-last_sign_in"])
def test_a_parallel_plan_for_the_estimate_is_read_right(db, sort):
    """On a large table the planner may estimate a search with a parallel plan (a Gather
    over a Parallel Append whose branches it reorders): the page must still come back, the
    same as without. Forced here on a small table."""
    from users import selectors

    for number in range(40):
        LearnerFactory(first_name="Anna", last_name=f"Hansen{number % 7}")

    def all_pages():
        seen, cursor = [], None
        for _ in range(10):
            page = selectors.learner_page(query="anna", sort=sort, cursor=cursor, size=10)
            seen.extend(user.id for user in page.rows)
            cursor = page.next_cursor
            if not cursor:
                return seen
        return seen

    serial = all_pages()
    # Parallel plans wherever allowed: a Gather on top even when not cheaper (its name
    # changed in PostgreSQL 16), and parallelism priced at zero. SET LOCAL: until the
    # test's transaction ends.
    force = "debug_parallel_query" if connection.pg_version >= 160000 else "force_parallel_mode"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SET LOCAL {force} = on; SET LOCAL max_parallel_workers_per_gather = 2; "
            "SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0; "
            "SET LOCAL min_parallel_table_scan_size = 0"
        )
        cursor.execute("EXPLAIN SELECT id FROM users_user WHERE is_active")
        assert "Gather" in " ".join(row[0] for row in cursor.fetchall())  # the premise
    assert all_pages() == serial and len(serial) == 40
