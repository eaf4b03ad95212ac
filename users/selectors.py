"""Read queries for the /manage/ user pages, each a fixed number of queries."""

import json
from collections import namedtuple

from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Coalesce

from . import search, searchblocks
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
from .roles import GROUP_NAMES, role_annotations

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
# cost (and at most LONG_WALK rows, about 170 ms) and the index path finishes if the walk
# runs out, so a wrong choice costs at most about twice the cheaper way. A page of ids
# then reads its rows in the same statement: a search costs two queries, whatever the
# term and the data.
FULL_PER_WALKED = 6
LONG_WALK = 1_000_000
# Sorted by name, a term blocks can judge (searchblocks.grams) skips the stretches of the
# list that cannot hold it when it is estimated to match at least BLOCKS_FROM users (the
# page fills in the first stretches that hold it), or when at most FEW_BLOCKS stretches
# can hold it (counted with the estimate: walking a whole stretch costs about 0.8 ms, so
# at most about 6 ms, where a rare term through the trigram index costs 10-15 ms at 5M
# users: the index intersects long posting lists, then reads every match from the table).
BLOCKS_FROM = 2_000
FEW_BLOCKS = 8
NAME_ORDER = ["last_name", "first_name", "id"]
REVERSED_NAME_ORDER = ["-last_name", "-first_name", "-id"]

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
    """Only what the list shows, role flags included, as named tuples: no prefetch, no
    extra query, no model instances (about 1.5 ms less for a page of 50)."""
    roles = role_annotations()
    return users.annotate(**roles).values_list(*LIST_COLUMNS, "last_seen", *roles, named=True)


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
        return keyset_page(_list_rows(users), order=order, kinds=kinds, cursor=cursor, size=size)
    return _search_page(users, query, condition, order, kinds, cursor, size, active=not disabled)


def _search_page(users, query, condition, order, kinds, cursor, size, *, active):
    """A search on PostgreSQL: the page's ids by the cheapest strategy, then its rows."""
    bounded, ordering, forward, decoded = keyset_bounds(
        users, order=order, kinds=kinds, cursor=cursor
    )
    if search.is_exact(query):
        ids = list(
            bounded.filter(condition).order_by(*ordering).values_list("pk", flat=True)[: size + 1]
        )
        found = {row.id: row for row in _list_rows(users.filter(pk__in=ids))}
        rows = [found[pk] for pk in ids if pk in found]
    else:
        rows = _search_rows(
            bounded,
            query,
            condition,
            order,
            ordering,
            size,
            active=active,
            cursor_values=decoded[1] if decoded is not None else None,
        )
    return page_of(rows, order=order, forward=forward, decoded=decoded, size=size)


LearnerRow = namedtuple(
    "LearnerRow", [*LIST_COLUMNS, "last_seen", *(f"in_{role.value}_group" for role in GROUP_NAMES)]
)


def _row_sql():
    """What `_list_rows` selects but last_seen (`_learner_rows` adds it), as SQL over `u`
    (a users_user row): (sql, params)."""
    membership = User.groups.through._meta.db_table
    group = Group._meta.db_table
    # The group's id as an init plan, not a join: a third less planning for the statement.
    roles = [
        f"EXISTS (SELECT 1 FROM {membership} m WHERE m.user_id = u.id "  # noqa: S608
        f"AND m.group_id = (SELECT g.id FROM {group} g WHERE g.name = %s))"
        for _ in GROUP_NAMES
    ]
    columns = ", ".join(f"u.{name}" for name in LIST_COLUMNS)
    return (
        f"{columns}, {', '.join(roles)}",
        list(GROUP_NAMES.values()),
    )


def _search_rows(bounded, query, condition, order, ordering, size, *, active, cursor_values):
    """The page's rows: one estimate, then one statement that finds the page's ids the way
    the estimate prices cheapest and reads their rows (so a page always costs the same
    queries)."""
    by_name = ordering in (NAME_ORDER, REVERSED_NAME_ORDER)
    descending = ordering == REVERSED_NAME_ORDER
    grams = searchblocks.grams(search.normalise(query)) if by_name else None
    # In name order (either way) the cursor bounds the page, however it was reached: Next
    # on one name sort is Previous on the other.
    bound = cursor_values if by_name else None
    with connection.cursor() as db:
        users, matches, blocks = _estimates(db, bounded, condition, grams, bound, descending)
        use_blocks = bool(grams) and (matches >= BLOCKS_FROM or blocks <= FEW_BLOCKS)
        if use_blocks:
            page_sql, page_params = _blocks_sql(query, grams, active, bound, descending, size)
        else:
            window = _walk_budget(users, matches, size)
            page_sql, page_params = _walk_or_index_sql(
                bounded, query, condition, order, ordering, size, window
            )
        row_sql, row_params = _row_sql()
        # Only constants and Django-compiled SQL are interpolated; the term is a parameter.
        statement = (
            f"{page_sql} SELECT {row_sql} FROM page "  # noqa: S608
            f"JOIN {User._meta.db_table} u ON u.id = page.id "
            f"ORDER BY {_order_sql('page', ordering)}"
        )
        if use_blocks:
            statement = _without_seqscans(statement)
        db.execute(statement, [*page_params, *row_params])
        if use_blocks:
            db.nextset()  # past the SET
        return _learner_rows(db.fetchall())


def _without_seqscans(statement):
    """The statement with sequential scans off for it alone, for any that reads the blocks:
    the planner would scan all of them (their gram arrays are out of line, so it sees a
    tiny table) instead of using their index. Same round trip and (implicit) transaction,
    and back to the default after it in case this runs inside a longer transaction; the
    statement's results are the second set."""
    return f"SET LOCAL enable_seqscan = off; {statement}; SET LOCAL enable_seqscan TO DEFAULT"


def _learner_rows(fetched):
    """LearnerRows from `_row_sql` rows; last_seen is made here (a third fewer timestamps
    for the database driver to parse than selecting COALESCE(last_login, ...))."""
    last_login = LIST_COLUMNS.index("last_login")
    seen_at = len(LIST_COLUMNS)
    return [
        LearnerRow(*row[:seen_at], row[last_login] or NEVER_SIGNED_IN, *row[seen_at:])
        for row in fetched
    ]


def _walk_or_index_sql(bounded, query, condition, order, ordering, size, window):
    """CTEs ending in `page`: walk the display-order index up to `window` rows and, only if
    that falls short of a page, every match through the trigram index, sorted."""
    keys = [name for name, _ in order]
    everything_sql, everything_params = (
        bounded.filter(condition).values(*dict.fromkeys(["id", *keys])).query.sql_with_params()
    )
    select = ", ".join(dict.fromkeys(["id", *keys]))
    walked_sql, walked_params = f"SELECT {select} FROM everything WHERE false", []  # noqa: S608
    if window > 0:
        walked_sql, walked_params = _walk_sql(bounded, query, keys, ordering, size, window)
    # A materialized CTE is computed only if read, and the one-time filter
    # (SELECT COUNT(*) FROM walked) reads `everything` only when the walk fell short.
    return (
        f"WITH everything AS MATERIALIZED ({everything_sql}), "  # noqa: S608
        f"walked AS ({walked_sql}), "
        f"page AS (SELECT {select} FROM walked WHERE (SELECT COUNT(*) FROM walked) > %s "
        f"UNION ALL "
        f"SELECT {select} FROM (SELECT {select} FROM everything "
        f"ORDER BY {_order_sql('everything', ordering)} LIMIT %s) first_matches "
        f"WHERE (SELECT COUNT(*) FROM walked) <= %s)",
        [*everything_params, *walked_params, size, size + 1, size],
    )


def _blocks_sql(query, grams, active, bound, descending, size):
    """CTEs ending in `page`: walk only the stretches of the name order whose block holds
    the term's grams (backwards if `descending`), past the cursor's `bound`, and check the
    users changed since the blocks were built."""
    where, where_params = search.sql_condition(query, "u")
    key = "(u.last_name, u.first_name, u.id)"
    way = " DESC" if descending else ""
    beyond, beyond_params = "", []
    if bound is not None:
        beyond, beyond_params = f"AND {key} {'<' if descending else '>'} (%s, %s, %s)", list(bound)
    blocks_where, blocks_params = _candidate_blocks(grams, bound, descending)
    # Blocks are disjoint and in order, and each walk is in order, so the nested loop's
    # output is in name order and its LIMIT stops at the first page of block matches.
    # "position + 0": ordering by the primary key would read every block's grams.
    return (
        f"WITH candidates AS MATERIALIZED ("  # noqa: S608
        f"SELECT b.position, b.start_last, b.start_first, b.start_id, "
        f"b.end_last, b.end_first, b.end_id FROM users_searchblock b "
        f"WHERE {blocks_where} ORDER BY b.position + 0{way}), "
        f"in_blocks AS (SELECT m.id, m.last_name, m.first_name FROM candidates c "
        f"CROSS JOIN LATERAL (SELECT u.id, u.last_name, u.first_name FROM users_user u "
        f"WHERE {key} BETWEEN (c.start_last, c.start_first, c.start_id) "
        f"AND (c.end_last, c.end_first, c.end_id) {beyond} "
        f"AND u.is_active = %s AND {where} "
        f"ORDER BY u.last_name{way}, u.first_name{way}, u.id{way} LIMIT %s) m LIMIT %s), "
        f"changed AS (SELECT u.id, u.last_name, u.first_name FROM users_searchdirty d "
        f"JOIN users_user u ON u.id = d.user_id WHERE u.is_active = %s {beyond} AND {where}), "
        f"page AS (SELECT id, last_name, first_name FROM in_blocks UNION "
        f"SELECT id, last_name, first_name FROM changed "
        f"ORDER BY last_name{way}, first_name{way}, id{way} LIMIT %s)",
        [
            *blocks_params,
            *beyond_params,
            active,
            *where_params,
            size + 1,
            size + 1,
            active,
            *beyond_params,
            *where_params,
            size + 1,
        ],
    )


def _candidate_blocks(grams, bound, descending):
    """The blocks (alias b) that can hold a term's grams, past the cursor's bound in name
    order (before it if `descending`): (sql, params)."""
    if bound is None:
        return "b.grams @> %s::text[]", [grams]
    if descending:
        return (
            "b.grams @> %s::text[] AND (b.start_last, b.start_first, b.start_id) < (%s, %s, %s)",
            [grams, *bound],
        )
    return (
        "b.grams @> %s::text[] AND (b.end_last, b.end_first, b.end_id) > (%s, %s, %s)",
        [grams, *bound],
    )


def _order_sql(alias, ordering):
    prefix = f"{alias}." if alias else ""
    return ", ".join(
        f"{prefix}{name.lstrip('-')} {'DESC' if name.startswith('-') else 'ASC'}"
        for name in ordering
    )


def _walk_sql(bounded, query, keys, ordering, size, window):
    """The first matches among the next `window` users in display order, in that order
    (an index-only scan of a covering display-order index, filtered)."""
    columns = dict.fromkeys(["id", "search_text", *keys])
    walked = bounded.order_by(*ordering).values(*columns)[:window]
    walked_sql, walked_params = walked.query.sql_with_params()
    where, where_params = search.sql_condition(query, "w")
    select = ", ".join(f"w.{name}" for name in dict.fromkeys(["id", *keys]))
    return (
        f"SELECT {select} FROM ({walked_sql}) w WHERE {where} "  # noqa: S608
        f"ORDER BY {_order_sql('w', ordering)} LIMIT %s",
        [*walked_params, *where_params, size + 1],
    )


def _estimates(db, bounded, condition, grams, bound, descending):
    """The planner's estimates (users past the cursor, of them matching the search) and,
    for a term blocks can judge, how many blocks past the cursor can hold it (counted up
    to FEW_BLOCKS + 1; otherwise that): one round trip.

    Two plain EXPLAINs, each read at its top node: on a large table the planner may plan
    either in parallel (a Gather on top, its branches reordered inside)."""
    rows_sql, rows_params = bounded.values("pk").query.sql_with_params()
    matches_sql, matches_params = bounded.filter(condition).values("pk").query.sql_with_params()
    statements = f"EXPLAIN (FORMAT JSON) {rows_sql}; EXPLAIN (FORMAT JSON) {matches_sql}"
    params = [*rows_params, *matches_params]
    if grams:
        blocks_where, blocks_params = _candidate_blocks(grams, bound, descending)
        count = (
            "SELECT COUNT(*) FROM (SELECT 1 FROM users_searchblock b "  # noqa: S608 (ours)
            f"WHERE {blocks_where} LIMIT %s) candidates"
        )
        statements += f"; {_without_seqscans(count)}"
        params += [*blocks_params, FEW_BLOCKS + 1]
    db.execute(statements, params)
    rows = _planned_rows(db.fetchone()[0])
    db.nextset()
    matches = _planned_rows(db.fetchone()[0])
    blocks = FEW_BLOCKS + 1
    if grams:
        db.nextset()  # the SET
        db.nextset()
        blocks = db.fetchone()[0]
    return rows, matches, blocks


def _planned_rows(plan):
    """The row count an EXPLAIN (FORMAT JSON) result estimates for its whole statement."""
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


def _walk_budget(rows, matches, size):
    """How many rows to walk before taking the index path (0: take it at once)."""
    if matches < 1 or rows < 1:
        return 0
    expected_walk = (size + 1) * rows / matches
    budget = min(LONG_WALK, FULL_PER_WALKED * matches)
    return int(budget) if expected_walk < budget else 0


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
