"""Every form of the product, fed random and hostile values: never a 500, never a partial write.

Each example POSTs (or GETs, for filters) through the Django test client on PostgreSQL. The
property: the answer is a redirect or a page (200/400; 403/429 where the role or the sign-in
throttle says so), and after a refused POST every table we own is byte-for-byte unchanged.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.factories import PASSWORD
from tests.fuzz.conftest import fingerprint
from tests.fuzz.strategies import cursors, form_data, hostile
from users.roles import role_of

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
REFUSED = (200, 400)


@dataclass
class Form:
    name: str
    url: Callable
    base: Callable
    who: str = "admin"
    allowed: tuple = (200, 302, 400)
    setup: Callable | None = field(default=None)


def details_base(w):
    user = w.learner
    user.refresh_from_db()
    return {
        "version": user.version,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": str(user.phone or ""),
        "street": user.street,
        "city": user.city,
        "region": user.region,
        "postal_code": user.postal_code,
        "country": user.country,
        "new_password": "",
        "role": role_of(user).value,
    }


def u(name, **kwargs):
    return reverse(name, kwargs=kwargs)


def certification_base(w):
    from transcripts.models import TranscriptField
    from transcripts.selectors import BUILTIN_COLUMNS

    keys = list(BUILTIN_COLUMNS) + [f.column_key for f in TranscriptField.objects.order_by("pk")]
    data = {"title": "Transcript", "footer": "", "credits_field": w.transcript_field.pk}
    for position, key in enumerate(keys, start=1):
        slug = key.replace(":", "_")
        if position <= 3:
            data[f"show_{slug}"] = "on"
        data[f"position_{slug}"] = str(position)
    return data


FORMS = [
    Form(
        "sign_in",
        lambda w: u("users:sign_in"),
        lambda w: {"username": w.learner.email, "password": PASSWORD, "next": "/"},
        who="anonymous",
        allowed=(200, 302, 400, 403, 429),
    ),
    Form(
        "forgot_password",
        lambda w: u("users:forgot_password"),
        lambda w: {"email": w.learner.email},
        who="anonymous",
    ),
    Form(
        "invite_accept",
        lambda w: u("users:accept_invite", token=w.invite_token),
        lambda w: {"new_password1": "x", "new_password2": "y"},
        who="anonymous",
        allowed=(200, 302, 400, 404),
    ),
    Form("details", lambda w: u("users:details", user_id=w.learner.pk), details_base),
    Form(
        "disable",
        lambda w: u("users:disable", user_id=w.learner.pk),
        lambda w: {"reason": "ticket 1"},
    ),
    Form(
        "enable",
        lambda w: u("users:enable", user_id=w.learner.pk),
        lambda w: {"reason": "ticket 1"},
    ),
    Form(
        "resend_invite",
        lambda w: u("users:resend_invite", user_id=w.invited.pk),
        lambda w: {"request_key": "r" * 24},
    ),
    Form(
        "impersonate",
        lambda w: u("users:impersonate", user_id=w.learner.pk),
        lambda w: {"reason": "ticket 42"},
        allowed=(200, 302, 400, 403),
    ),
    Form(
        "user_settings",
        lambda w: u("users:settings"),
        lambda w: {"dual_role": "on", "notify_impersonation": "on", "impersonation_minutes": "30"},
    ),
    Form(
        "access_add",
        lambda w: u("access:add", user_id=w.learner.pk),
        lambda w: {"item": w.content.title, "expires_at": "", "note": ""},
    ),
    Form(
        "access_expiry",
        lambda w: u("access:grant", user_id=w.learner.pk, grant_id=w.grant.pk),
        lambda w: {"expires_at": "2099-01-01"},
    ),
    Form(
        "access_revoke",
        lambda w: u("access:revoke", user_id=w.learner.pk, grant_id=w.grant.pk),
        lambda w: {"reason": "because"},
    ),
    Form(
        "access_reinstate",
        lambda w: u("access:reinstate", user_id=w.learner.pk, grant_id=w.ended_grant.pk),
        lambda w: {"expires_at": "2099-01-01"},
    ),
    Form(
        "access_seat",
        lambda w: u("access:seat", user_id=w.learner.pk),
        lambda w: {"sublicense": w.sublicense.pk},
    ),
    Form(
        "access_settings",
        lambda w: u("access:settings"),
        lambda w: {"learner_archiving": "on"},
    ),
    Form(
        "attempt_forgive",
        lambda w: u("activity:attempt_forgive", user_id=w.learner.pk, attempt_id=w.attempt.pk),
        lambda w: {"reason": "flaky network"},
    ),
    Form(
        "certificate_issue",
        lambda w: u("activity:certificate_issue", user_id=w.learner.pk),
        lambda w: {"content": w.content.pk, "reason": "passed offline"},
    ),
    Form(
        "certificate_revoke",
        lambda w: u(
            "activity:certificate_revoke", user_id=w.learner.pk, certificate_id=w.certificate.pk
        ),
        lambda w: {"reason": "issued in error"},
    ),
    Form(
        "award_grant",
        lambda w: u("activity:award_grant", user_id=w.learner.pk),
        lambda w: {
            "award_type": w.award_type.pk,
            "quantity": "1",
            "content": w.content.pk,
            "note": "",
        },
    ),
    Form(
        "activity_settings",
        lambda w: u("activity:settings"),
        lambda w: {"gamification": "on"},
    ),
    Form(
        "progress_reset",
        lambda w: u("engagement:progress_reset", user_id=w.learner.pk),
        lambda w: {"reset-content": w.content.pk, "reset-reason": "asked to"},
    ),
    Form(
        "progress_complete",
        lambda w: u("engagement:progress_complete", user_id=w.learner.pk),
        lambda w: {
            "complete-content": w.content.pk,
            "complete-completed_on": "2024-05-01",
            "complete-reason": "offline",
        },
    ),
    Form(
        "card_add",
        lambda w: u("payments:tab", user_id=w.learner.pk),
        lambda w: {
            "number": "4242 4242 4242 4242",
            "exp_month": "12",
            "exp_year": "2031",
            "cvc": "123",
            "name": "Card Holder",
        },
    ),
    Form(
        "subscription_cancel",
        lambda w: u(
            "payments:subscription_cancel",
            user_id=w.learner.pk,
            subscription_id=w.subscription.pk,
        ),
        lambda w: {"reason": "moving"},
    ),
    Form(
        "refund",
        lambda w: u("payments:refund", user_id=w.learner.pk, transaction_id=w.charge.pk),
        lambda w: {
            "amount": "1.00",
            "reason": "sorry",
            "confirm": "on",
            "idempotency_key": "",
        },
    ),
    Form("certification_settings", lambda w: u("transcripts:settings"), certification_base),
    Form(
        "transcript_field_add",
        lambda w: u("transcripts:field_add"),
        lambda w: {"name": "CEU", "kind": "number"},
    ),
    Form(
        "transcript_field_values",
        lambda w: u("transcripts:field_values", field_id=w.transcript_field.pk),
        lambda w: {f"value_{w.content.pk}": "1.5", "cursor": ""},
    ),
    Form(
        "transcript_export",
        lambda w: u("transcripts:export", user_id=w.learner.pk),
        lambda w: {"in_progress": "1"},
    ),
    Form(
        "learner_archive",
        lambda w: u("access:archive", grant_id=w.grant.pk),
        lambda w: {"anything": "x"},
        who="learner",
        allowed=(200, 302, 400, 403, 404),
    ),
    Form(
        "learner_transcript_export",
        lambda w: u("transcripts:my_export"),
        lambda w: {"in_progress": "1"},
        who="learner",
    ),
]


def cases(forms):
    return [pytest.param(form, id=form.name) for form in forms]


def sign_in(client, world, who):
    client.logout()
    if who == "admin":
        client.force_login(world.admin)
    elif who == "learner":
        client.force_login(world.learner)


def post_and_check(client, world, form, data):
    sign_in(client, world, form.who)
    before = fingerprint()
    version = type(world.learner).objects.get(pk=world.learner.pk).version
    with transaction.atomic():
        response = client.post(form.url(world), data)
    assert response.status_code in form.allowed, (response.status_code, data)
    if response.status_code in REFUSED:
        after = fingerprint()
        changed = {t for t in before if before[t] != after[t]}
        assert not changed, f"refused with {response.status_code} but wrote to {changed}"
        assert type(world.learner).objects.get(pk=world.learner.pk).version == version
    return response


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
@FUZZ
@given(data=st.data())
def test_a_form_never_errors_and_a_refusal_writes_nothing(world, fuzz_client, form, data):
    values = data.draw(form_data(form.base(world)), label="post")
    post_and_check(fuzz_client, world, form, values)


EXPLICIT = ["\x00", "\u00c5" * 100_000, "-9223372036854775809", "NaN", "0000-00-00"]


@pytest.mark.parametrize("form", cases(FORMS))
def test_nul_huge_negative_nan_and_impossible_values_in_each_field(world, fuzz_client, form):
    """PostgreSQL refuses NUL in text; then huge, out-of-range, NaN and impossible dates."""
    base = form.base(world)
    for value in EXPLICIT:
        for name in base:
            hostile_value = f"{base[name]}{value}" if value == "\x00" else value
            post_and_check(fuzz_client, world, form, {**base, name: hostile_value})


# Query strings: filters and paging cursors are bad input too.
QUERIES = [
    ("learners", lambda w: u("users:learners"), ["sort", "cursor", "disabled"]),
    ("details_history", lambda w: u("users:details", user_id=w.learner.pk), ["history"]),
    ("impersonation_log", lambda w: u("users:impersonation_log"), ["cursor"]),
    ("access_tab", lambda w: u("access:tab", user_id=w.learner.pk), None),
    (
        "activity_tab",
        lambda w: u("activity:tab", user_id=w.learner.pk),
        ["attempts_cursor", "certificates_cursor", "awards_cursor"],
    ),
    ("payments_tab", lambda w: u("payments:tab", user_id=w.learner.pk), ["cursor"]),
    ("transcript_tab", lambda w: u("transcripts:tab", user_id=w.learner.pk), ["in_progress"]),
    (
        "content_actions_report",
        lambda w: u("engagement:content_actions"),
        ["email", "content", "action", "date_from", "date_to", "impersonated", "cursor", "export"],
    ),
    (
        "learner_progress_report",
        lambda w: u("engagement:learner_progress"),
        ["email", "content", "status", "date_from", "date_to", "cursor", "export"],
    ),
    (
        "field_values_page",
        lambda w: u("transcripts:field_values", field_id=w.transcript_field.pk),
        ["cursor"],
    ),
    ("learner_home", lambda w: u("home"), ["cursor"]),
]


def query_values(names):
    value = st.one_of(hostile, cursors, st.just("csv"))
    return st.dictionaries(st.sampled_from(names), value, max_size=len(names))


@pytest.mark.parametrize("name,url,params", QUERIES, ids=[q[0] for q in QUERIES])
@FUZZ
@given(data=st.data())
def test_a_page_survives_any_query_string(world, fuzz_client, name, url, params, data):
    if params is None:
        from access.views import CURSOR_PARAMS

        params = list(CURSOR_PARAMS.values())
    query = data.draw(query_values(params), label="query")
    sign_in(fuzz_client, world, "learner" if name == "learner_home" else "admin")
    with transaction.atomic():
        response = fuzz_client.get(url(world), query)
    assert response.status_code in (200, 302, 400), (response.status_code, query)


def without_nul(text):
    return text.replace("\x00", "")


@example(query={"q": "%_\\"})
@example(query={"q": "admin@school.example"})
@example(query={"q": "\u0430dmin@school.example"})
@FUZZ
@given(query=st.fixed_dictionaries({"q": hostile.map(without_nul), "sort": hostile}))
def test_learner_search_survives_any_text(world, fuzz_client, query):
    sign_in(fuzz_client, world, "admin")
    with transaction.atomic():
        response = fuzz_client.get(u("users:learners"), query)
    assert response.status_code in (200, 400), query


# Bugs the fuzzing found (all fixed), kept as regression tests.


@pytest.mark.parametrize("q", ["\x00", "a\x00b", "admin@school.example\x00"])
def test_a_nul_in_the_learner_search_is_not_a_500(world, fuzz_client, q):
    sign_in(fuzz_client, world, "admin")
    with transaction.atomic():
        response = fuzz_client.get(u("users:learners"), {"q": q})
    assert response.status_code == 200


@pytest.mark.parametrize("value", [".000001E-93", "1e-120", "5e-324"])
def test_a_tiny_number_in_a_transcript_field_is_refused(world, fuzz_client, value):
    form = next(f for f in FORMS if f.name == "transcript_field_values")
    response = post_and_check(
        fuzz_client, world, form, {f"value_{world.content.pk}": value, "cursor": ""}
    )
    assert response.status_code == 400


def test_a_long_cursor_does_not_turn_a_saved_change_into_a_bad_request(world, fuzz_client):
    form = next(f for f in FORMS if f.name == "transcript_field_values")
    data = {f"value_{world.content.pk}": "2.5", "cursor": "\u00c5" * 17000}
    response = post_and_check(fuzz_client, world, form, data)
    assert response.status_code == 302
