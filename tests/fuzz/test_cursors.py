"""Paging cursors are untrusted input: a malformed one is page one, on every database.

A cursor comes back in the query string as base64 JSON. Anything can be sent instead:
arbitrary bytes, arbitrary JSON, or the right shape holding values a database refuses
(a NUL, a lone surrogate, an integer past 64 bits, a naive or impossible date).
"""

import base64
import json
import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from users.paging import decode_cursor, encode_cursor

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

# st.text() leaves out lone surrogates; json.loads makes them from "\ud800" escapes.
surrogates = st.integers(min_value=0xD800, max_value=0xDFFF).map(chr)
nasty_text = st.one_of(
    st.text(max_size=12),
    st.lists(st.one_of(st.characters(), surrogates, st.just("\x00")), max_size=6).map("".join),
    st.sampled_from(
        ["2024-01-01T00:00:00", "2024-02-30T00:00:00+00:00", "9999-12-31T23:59:59-14:00"]
    ),
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(),
        nasty_text,
    ),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)


def _b64(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _json_cursor(value):
    # ensure_ascii writes a lone surrogate as a \ud800 escape, as a crafted cursor would.
    return _b64(json.dumps(value).encode())


shaped = st.builds(
    lambda direction, values: [direction, values],
    st.sampled_from(["after", "before"]),
    st.lists(json_values, min_size=1, max_size=4),
)
cursors = st.one_of(
    st.binary(max_size=64).map(_b64),
    json_values.map(_json_cursor),
    shaped.map(_json_cursor),
    st.text(max_size=40),
)

LONE_SURROGATE = _b64(b'["after", ["\\ud800", "x", 1]]')
NUL_IN_NAME = _json_cursor(["after", ["a\x00", "b", 1]])
HUGE_INT = _json_cursor(["after", ["a", "b", 2**64]])
NAIVE_DATE = _json_cursor(["after", ["2024-01-01T00:00:00", 1]])
IMPOSSIBLE_DATE = _json_cursor(["after", ["2024-02-30T00:00:00+00:00", 1]])
DEEP = _b64(b"[" * 100_000)


@pytest.mark.parametrize(
    "cursor,kinds",
    [
        (LONE_SURROGATE, ["str", "str", "int"]),
        (NUL_IN_NAME, ["str", "str", "int"]),
        (HUGE_INT, ["str", "str", "int"]),
        (NAIVE_DATE, ["datetime", "int"]),
        (IMPOSSIBLE_DATE, ["datetime", "int"]),
        (DEEP, ["str"]),
        ("x" * 10_000, ["str"]),
    ],
    ids=["surrogate", "nul", "huge-int", "naive-date", "impossible-date", "deep", "long"],
)
def test_values_a_database_refuses_make_the_cursor_malformed(cursor, kinds):
    assert decode_cursor(cursor, kinds) is None


def test_a_cursor_we_made_is_read_back():
    from datetime import UTC, datetime

    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    cursor = encode_cursor("before", [moment, "Zoë", 42])
    assert decode_cursor(cursor, ["datetime", "str", "int"]) == ("before", [moment, "Zoë", 42])


# The CSRF token is masked anew on every response; a form's request key is new each time.
CSRF = re.compile(
    rb'name="(?:csrfmiddlewaretoken|request_key)" value="[^"]*"|"X-CSRFToken": "[^"]*"'
)


def _body(response):
    return CSRF.sub(b"", response.content)


PAGES = [
    ("learners", lambda w: reverse("users:learners"), "cursor", ["str", "str", "int"]),
    (
        "history",
        lambda w: reverse("users:details", kwargs={"user_id": w.learner.pk}),
        "history",
        ["datetime", "int"],
    ),
    (
        "transactions",
        lambda w: reverse("payments:tab", kwargs={"user_id": w.learner.pk}),
        "cursor",
        ["datetime", "int"],
    ),
    (
        "attempts",
        lambda w: reverse("activity:tab", kwargs={"user_id": w.learner.pk}),
        "attempts_cursor",
        ["str", "int", "datetime", "int"],
    ),
]


@pytest.mark.parametrize("name,url,param,kinds", PAGES, ids=[page[0] for page in PAGES])
@FUZZ
@example(cursor=LONE_SURROGATE)
@example(cursor=NUL_IN_NAME)
@example(cursor=HUGE_INT)
@example(cursor=NAIVE_DATE)
@given(cursor=cursors)
def test_a_malformed_cursor_shows_page_one(world, fuzz_client, name, url, param, kinds, cursor):
    fuzz_client.force_login(world.admin)
    first = fuzz_client.get(url(world))
    response = fuzz_client.get(url(world), {param: cursor})
    assert response.status_code == 200, cursor
    if decode_cursor(cursor, kinds) is None:
        assert _body(response) == _body(first)
