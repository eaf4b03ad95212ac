"""Read queries for the /manage/ user pages, each a fixed number of queries."""

import json

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce

from . import search
from .models import (
    NEVER_SIGNED_IN,
    AuditEvent,
    Invitation,
    OutboundEmail,
    ProfileField,
    ProfileValue,
    User,
    UserSettings,
)
from .paging import keyset_bounds, keyset_page, page_of
from .roles import role_annotations, role_group_names

PAGE_SIZE = 50
# A search on PostgreSQL finds a page of ids one of two ways (the rows are the same either
# way; only the cost differs):
# - walk: the display-order index from the cursor, index-only (it carries search_text),
#   filtered, stopping at a page. About 0.18 us per row walked, so cheap when matches are
#   frequent and spread over the list; useless when they cluster far down it.
# - index: every match through the trigram index, then sort. About FULL_PER_WALKED times
#   as costly per match as the walk is per row, so cheap for rare terms.
# The planner's estimate of the match count (statistics target 1000 on search_text, set
# in migration 0012) prices both; the walk gets a budget no larger than the index path's
# cost (at most LONG_WALK rows) and the index path finishes if the walk runs out, so a
# bad estimate costs at most about twice the cheaper way.
FULL_PER_WALKED = 6
LONG_WALK = 150_000

SORTS = {
    "name": [("last_name", False), ("first_name", False), ("id", False)],
    "-name": [("last_name", True), ("first_name", True), ("id", True)],
    "email": [("email", False), ("id", False)],
    "-email": [("email", True), ("id", True)],
    "last_sign_in": [("last_seen", True), ("id", True)],
    "-last_sign_in": [("last_seen", False), ("id", False)],
}
SORT_KINDS = {
    "name": ["str", "str", "int"],
    "email": ["str", "int"],
    "last_sign_in": ["datetime", "int"],
}
LIST_COLUMNS = ["id", "email", "first_name", "last_name", "is_active", "last_login", "date_joined"]


def learner_search(queryset, query):
    """Users whose e-mail or name ("first", "last", "first last") contains the query."""
    condition = search.matching(query)
    return queryset if condition is None else queryset.filter(condition)


def _list_rows(users):
    """Only what the list shows, the role included (no prefetch, no extra query)."""
    return users.only(*LIST_COLUMNS).annotate(**role_annotations())


def learner_page(*, query="", disabled=False, sort="name", cursor=None, size=PAGE_SIZE):
    """One page of the Users > Learners list: keyset paging, no COUNT(*), fixed queries."""
    if sort not in SORTS:
        sort = "name"
    order, kinds = SORTS[sort], SORT_KINDS[sort.lstrip("-")]
    users = User.objects.filter(is_active=not disabled).annotate(
        last_seen=Coalesce("last_login", Value(NEVER_SIGNED_IN))
    )
    condition = search.matching(query)
    if condition is None or connection.vendor != "postgresql":
        if condition is not None:
            users = users.filter(condition)
        page = keyset_page(_list_rows(users), order=order, kinds=kinds, cursor=cursor, size=size)
    else:
        page = _search_page(users, query, condition, order, kinds, cursor, size)
    for user in page.rows:
        user._role_group_names = role_group_names(user)
    return page


def _search_page(users, query, condition, order, kinds, cursor, size):
    """A search on PostgreSQL: the page's ids by the cheapest strategy, then its rows."""
    bounded, ordering, forward, decoded = keyset_bounds(
        users, order=order, kinds=kinds, cursor=cursor
    )
    if search.is_exact(query):
        ids = list(
            bounded.filter(condition).order_by(*ordering).values_list("pk", flat=True)[: size + 1]
        )
    else:
        ids = _search_ids(bounded, query, condition, order, ordering, size)
    found = {user.pk: user for user in _list_rows(users.filter(pk__in=ids))}
    rows = [found[pk] for pk in ids if pk in found]
    return page_of(rows, order=order, forward=forward, decoded=decoded, size=size)


def _search_ids(bounded, query, condition, order, ordering, size):
    with transaction.atomic(), connection.cursor() as db:
        window = _walk_budget(db, bounded, condition, size)
        ids = None
        if window:
            db.execute("SET LOCAL enable_bitmapscan = off")
            ids = _walk(db, bounded, query, order, ordering, size, window)
        if ids is None:
            db.execute("SET LOCAL enable_bitmapscan = on")
            db.execute("SET LOCAL enable_indexscan = off")
            ids = list(
                bounded.filter(condition)
                .order_by(*ordering)
                .values_list("pk", flat=True)[: size + 1]
            )
        # Leave the planner as it was for the rest of an outer transaction.
        db.execute("SET LOCAL enable_bitmapscan = on")
        db.execute("SET LOCAL enable_indexscan = on")
    return ids


def _estimate(db, queryset):
    sql, params = queryset.values("pk").query.sql_with_params()
    db.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
    plan = db.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


def _walk_budget(db, bounded, condition, size):
    """How many rows to walk before taking the index path (0: take it at once)."""
    matches = _estimate(db, bounded.filter(condition))
    rows = _estimate(db, bounded)
    if matches < 1 or rows < 1:
        return 0
    expected_walk = (size + 1) * rows / matches
    budget = min(LONG_WALK, FULL_PER_WALKED * matches)
    return int(budget) if expected_walk < budget else 0


def _order_sql(alias, ordering):
    return ", ".join(
        f"{alias}.{name.lstrip('-')} {'DESC' if name.startswith('-') else 'ASC'}"
        for name in ordering
    )


def _walk(db, bounded, query, order, ordering, size, window):
    """Ids of the first matches among the next `window` users in display order.

    None when the window holds less than a page.
    """
    if window <= 0:
        return None
    columns = dict.fromkeys(["id", "search_text", *(name for name, _ in order)])
    walked = bounded.order_by(*ordering).values(*columns)[:window]
    walked_sql, walked_params = walked.query.sql_with_params()
    where, where_params = search.sql_condition(query, "w")
    # Only constants and Django-compiled SQL are interpolated; the search term is a parameter.
    db.execute(
        f"SELECT w.id FROM ({walked_sql}) w WHERE {where} "  # noqa: S608
        f"ORDER BY {_order_sql('w', ordering)} LIMIT %s",
        [*walked_params, *where_params, size + 1],
    )
    ids = [row[0] for row in db.fetchall()]
    return ids if len(ids) > size else None


def record_tabs():
    """The user-record tabs the installed apps provide: [(label, url name)] in order."""
    tabs = []
    for config in apps.get_app_configs():
        tabs.extend(getattr(config, "user_record_tabs", ()))
    return [(label, url_name) for _, label, url_name in sorted(tabs)]


def profile_fields():
    """School-defined profile fields, in display order."""
    return list(ProfileField.objects.all())


def details_panels(subject):
    """What the Details tab shows besides the form: values, invite, Dual Role link."""
    values = {value.field_id: value.value for value in ProfileValue.objects.filter(user=subject)}
    fields = profile_fields()
    by_kind = {kind: [] for kind in ProfileField.Kind.values}
    for field in fields:
        by_kind[field.kind].append((field, values.get(field.pk, "")))
    linked = (
        subject.learner_record_of
        if subject.learner_record_of_id
        else User.objects.filter(learner_record_of=subject).first()
    )
    return {
        "reference_fields": [
            field for field in fields if field.kind == ProfileField.Kind.REFERENCE
        ],
        "reference_values": by_kind[ProfileField.Kind.REFERENCE],
        "custom_inputs": by_kind[ProfileField.Kind.CUSTOM_INPUT],
        "survey_answers": by_kind[ProfileField.Kind.SURVEY],
        "last_invitation": Invitation.objects.filter(user=subject).select_related("email").first(),
        "emails": list(OutboundEmail.objects.filter(user=subject)[:5]),
        "linked_record": linked,
        "user_settings": UserSettings.load(),
    }


HISTORY_ORDER = [("created_at", True), ("id", True)]


def history_page(subject, *, cursor=None, size=20):
    """The record's audit events, newest first, a keyset page at a time."""
    return keyset_page(
        AuditEvent.objects.filter(subject=subject),
        order=HISTORY_ORDER,
        kinds=["datetime", "int"],
        cursor=cursor,
        size=size,
    )
