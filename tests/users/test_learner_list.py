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
    assert "No active learners match “zzz-nobody”" in page


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
    assert len(second.context["rows"]) == 5  # the admin is under Users > Staff
    back = admin_client.get(URL, {"cursor": second.context["page"].previous_cursor})
    assert names(back) == names(first)


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJhZnRlciIsIFsxXV0", "%%%"])
def test_a_bad_cursor_is_page_one(admin_client, cursor):
    for number in range(PAGE_SIZE + 3):
        LearnerFactory(email=f"l{number:03d}@example.com")
    response = admin_client.get(URL, {"cursor": cursor})
    assert response.status_code == 200
    assert names(response) == names(admin_client.get(URL))
    assert response.context["page"].previous_cursor is None


@pytest.mark.parametrize(
    "sort", ["name", "-name", "email", "-email", "last_sign_in", "-last_sign_in", "nonsense"]
)
def test_every_sort_pages_consistently(admin_client, sort):
    for number in range(PAGE_SIZE + 3):
        LearnerFactory(email=f"l{number:03d}@example.com")
    first = admin_client.get(URL, {"sort": sort})
    second = admin_client.get(URL, {"sort": sort, "cursor": first.context["page"].next_cursor})
    seen = names(first) + names(second)
    assert len(seen) == len(set(seen)) == PAGE_SIZE + 3


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
