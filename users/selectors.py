"""Read queries for the /manage/ user pages, each a fixed number of queries."""

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

PAGE_SIZE = 50
# Strategy for a search on PostgreSQL, chosen by a cheap probe of the match count:
# fewer than SELECTIVE matches: the trigram (or prefix) index finds them all, then sort;
# more: walk the display-order index (index-only) and filter, stopping at a page, which
# for a frequent term takes a few thousand rows; at most WALK_WINDOW rows are walked
# before falling back to the index path (the result is the same either way).
SELECTIVE = 10_000
WALK_WINDOW = 40_000

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


def learner_search(queryset, query):
    """Users whose e-mail or name ("first", "last", "first last") contains the query."""
    condition = search.matching(query)
    return queryset if condition is None else queryset.filter(condition)


def _match_count_up_to(users, condition, limit):
    """How many users match, counting no further than `limit` (uses the search indexes)."""
    return users.filter(condition).values("pk")[:limit].count()


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
        return keyset_page(
            users.prefetch_related("groups"), order=order, kinds=kinds, cursor=cursor, size=size
        )
    return _search_page(users, query, condition, order=order, kinds=kinds, cursor=cursor, size=size)


def _search_page(users, query, condition, *, order, kinds, cursor, size):
    """A search on PostgreSQL: find the page's ids by the cheaper strategy, then the rows."""
    exact = search.is_email(search.normalise(query))
    dense = not exact and _match_count_up_to(users, condition, SELECTIVE) >= SELECTIVE
    bounded, ordering, forward, decoded = keyset_bounds(
        users, order=order, kinds=kinds, cursor=cursor
    )
    ids = None
    with transaction.atomic(), connection.cursor() as db:
        if dense:
            # Many matches: walk the display-order index (index-only) and filter it.
            db.execute("SET LOCAL enable_bitmapscan = off")
            ids = _ids_in_window(db, bounded, query, order, ordering, size)
        if ids is None:
            # Few matches (or too few near the start): fetch them all through the search
            # index, then sort them.
            db.execute("SET LOCAL enable_bitmapscan = on")
            db.execute("SET LOCAL enable_indexscan = off")
            ids = list(
                bounded.filter(condition)
                .order_by(*ordering)
                .values_list("pk", flat=True)[: size + 1]
            )
    found = {user.pk: user for user in users.filter(pk__in=ids).prefetch_related("groups")}
    rows = [found[pk] for pk in ids if pk in found]
    return page_of(rows, order=order, forward=forward, decoded=decoded, size=size)


def _ids_in_window(db, bounded, query, order, ordering, size):
    """Ids of the first matches among the next WALK_WINDOW users in display order.

    None when the window holds less than a page (the caller then searches everything).
    """
    columns = ["id", "email", "first_name", "last_name", *(name for name, _ in order)]
    window = bounded.order_by(*ordering).values(*dict.fromkeys(columns))[:WALK_WINDOW]
    window_sql, window_params = window.query.sql_with_params()
    where, where_params = search.sql_condition(query, "w")
    order_sql = ", ".join(
        f"w.{name.lstrip('-')} {'DESC' if name.startswith('-') else 'ASC'}" for name in ordering
    )
    # Only constants and Django-compiled SQL are interpolated; the search term is a parameter.
    db.execute(
        f"SELECT w.id FROM ({window_sql}) w WHERE {where} ORDER BY {order_sql} LIMIT %s",  # noqa: S608
        [*window_params, *where_params, size + 1],
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
