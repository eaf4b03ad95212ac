"""Learner search: relevance tiers, each a plain index lookup on PostgreSQL (SQLite runs the
same statement over its table).

A term and a learner's e-mail (E), "first last" (FL) and "last first" (LF) are compared
folded: lower case, accents removed (`users_fold`: on PostgreSQL an immutable wrapper of
unaccent, migration 0014; on SQLite `fold` below). The tiers, best first:

    tier  the learner                          in the order        read through
    0     has a key equal to the term          LF, id              B-tree equality on E, FL, LF
    1     has a last name starting with it     LF, id              B-tree range on LF, in order
    2     has a first name starting with it    FL, id              B-tree range on FL, in order
    3     has an e-mail starting with it       E, id               B-tree range on E, in order
    4     has it anywhere                      last sign-in, newest first     see below
          (3+ characters, not a complete e-mail address)

One statement reads them in turn: a tier's LIMIT is what the tiers before it left of the
page, and a LIMIT 0 does not run. Tiers 1-3 read their index in order and stop at a page.

Tier 4 is not in name order: a frequent fragment (`son`: 120,000 matches at 1M learners)
would have to be read whole and sorted, or the name order walked to its first match (the
32,000th learner). Names do not predict the last sign-in, so walking that order (a covering
index: no table row read) finds a page of a frequent fragment within a few hundred
learners. If the first WALK learners hold fewer than a page, the fragment is rare (about a
page per WALK learners at most) and the trigram index finds all of it. Neither depends on
statistics: the same statement and the same plans on a fresh, restored or imported table.
"""

import re
import unicodedata
from collections import namedtuple
from datetime import UTC

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils.dateparse import parse_datetime

from . import list_filters
from .models import NEVER_SIGNED_IN
from .roles import GROUP_NAMES

FRAGMENT_FROM = 3
WALK = 10_000
COUNT_CAP = 1_000
FRAGMENTS = 4  # the last tier

# search_key (stored on PostgreSQL) is chr(1) E chr(1) FL chr(1) LF chr(1); `normalise` takes
# chr(1) out of every term, so each part is matched on its own.
VENDOR = {
    "postgresql": {
        "E": 'users_fold(u.email) COLLATE "C"',
        "FL": "users_fold(btrim(u.first_name || ' ' || u.last_name)) COLLATE \"C\"",
        "LF": "users_fold(btrim(u.last_name || ' ' || u.first_name)) COLLATE \"C\"",
        "KEY": "u.search_key",
        "FENCE": "OFFSET 0",  # the planner may not pull an ORDER BY into the subquery
        "NO_TIME": "CAST(NULL AS timestamptz)",
    },
    "sqlite": {
        "E": "users_fold(u.email)",
        "FL": "users_fold(trim(u.first_name || ' ' || u.last_name))",
        "LF": "users_fold(trim(u.last_name || ' ' || u.first_name))",
        "KEY": "(char(1) || users_fold(u.email) || char(1) || users_fold(trim(u.first_name"
        " || ' ' || u.last_name)) || char(1) || users_fold(trim(u.last_name || ' ' ||"
        " u.first_name)) || char(1))",
        "FENCE": "",
        "NO_TIME": "CAST(NULL AS text)",
    },
}
SEEN = "COALESCE(u.last_login, %(never)s)"
# Every tier keeps the active (or disabled) learners the list's filters leave
# (users/list_filters.py); {NARROW} becomes their SQL once the statement is built.
ACTIVE = "u.is_active = %(active)s{NARROW}"
# Each pattern is a parameter (a constant to the planner, so a prefix is an index range),
# made from the term as the database folds it; in search_key, some part equals the term /
# starts with it / FL or LF does / LF does.
PATTERNS = {
    "prefix": "{}%",
    "fragment": "%{}%",
    "exact_any": "%\x01{}\x01%",
    "prefix_any": "%\x01{}%",
    "name_prefix": "\x01%\x01{}%",
    "last_prefix": "\x01%\x01%\x01{}%",
}
# Tiers 0-3: (order key, condition); each leaves out the tiers before it.
KEYED = [
    ("{LF}", "({E} = {term} OR {FL} = {term} OR {LF} = {term})"),
    ("{LF}", "{LF} LIKE {prefix} AND {KEY} NOT LIKE {exact_any}"),
    ("{FL}", "{FL} LIKE {prefix} AND {KEY} NOT LIKE {last_prefix} AND {KEY} NOT LIKE {exact_any}"),
    ("{E}", "{E} LIKE {prefix} AND {KEY} NOT LIKE {name_prefix} AND {KEY} NOT LIKE {exact_any}"),
]
FRAGMENT = "{KEY} LIKE {fragment} AND {KEY} NOT LIKE {prefix_any}"
ANY_PREFIX = "({E} LIKE {prefix} OR {FL} LIKE {prefix} OR {LF} LIKE {prefix})"

LIST_COLUMNS = ["id", "email", "first_name", "last_name", "is_active", "last_login", "date_joined"]
# A row of the list found by a search, with its place in the relevance order.
Found = namedtuple(
    "Found",
    [
        "tier",
        "key",
        *LIST_COLUMNS,
        "last_seen",
        *(f"in_{role.value}_group" for role in GROUP_NAMES),
    ],
)


def fold(text):
    """users_fold for SQLite: what PostgreSQL's unaccent and lower() make of a text."""
    if text is None:
        return None
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return text.translate(LETTERS).lower()


# Letters unaccent rewrites that Unicode does not decompose.
LETTERS = str.maketrans(
    {"ß": "ss", "Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "Đ": "D"}
    | {"đ": "d", "Œ": "OE", "œ": "oe"}
)


def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("users_fold", 1, fold, deterministic=True)


def normalise(query):
    """The term as typed, trimmed, inner spaces single, control characters (NUL, chr(1)) out."""
    return " ".join("".join(" " if ord(char) < 32 else char for char in query).split())


def escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sql(template):
    """A template with the vendor's expressions and the patterns filled in."""
    patterns = {name: f"%({name})s ESCAPE '\\'" for name in PATTERNS}
    return template.format(
        **VENDOR[connection.vendor], **patterns, term="%(term)s", NARROW="{NARROW}"
    )


def folded(term):
    """The term as users_fold makes it: lower case for plain ASCII, else PostgreSQL's
    unaccent rules, asked once (so the statement carries constants: 24 calls of users_fold
    for the planner to fold cost more than this round trip)."""
    if term.isascii() or connection.vendor != "postgresql":
        return fold(term)
    with connection.cursor() as db:
        db.execute("SELECT users_fold(%s)", [term])
        return db.fetchone()[0]


def has_fragments(term):
    """Whether tier 4 applies: 3+ characters, and not a complete e-mail address (its
    trigrams are mostly the common ones of every e-mail, which makes the trigram index
    slow, and nobody types a whole address to find the longer ones holding it)."""
    return len(fold(term)) >= FRAGMENT_FROM and not is_email(term)


def is_email(text):
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def matching(query):
    """The condition (for .filter on users_user) of every learner a search finds, or None."""
    term = normalise(query)
    if not term:
        return None
    escaped = escape_like(folded(term))
    if has_fragments(term):
        sql, params = _sql("{KEY} LIKE {fragment}"), [PATTERNS["fragment"].format(escaped)]
    else:
        sql, params = _sql(ANY_PREFIX), [PATTERNS["prefix"].format(escaped)] * 3
    # Unqualified columns: the condition is for a plain query on users_user.
    sql = re.sub(r"%\(\w+\)s", "%s", sql.replace("u.", ""))
    return RawSQL(sql, params, output_field=BooleanField())


def decode(values):
    """(tier, key, id) from a relevance cursor's values, or None if they are no position
    (a cursor comes back from the query string: anything a database would refuse is none)."""
    tier, key, pk = values
    if not (0 <= tier <= FRAGMENTS and -(2**63) <= pk < 2**63 and len(key) <= 1000):
        return None
    if "\x00" in key or key.encode("utf-8", "replace").decode("utf-8") != key:
        return None
    if tier == FRAGMENTS:
        try:
            key = parse_datetime(key)
        except ValueError:
            return None
        if key is None or key.tzinfo is None:
            return None
    return tier, key, pk


def page(query, *, active, cursor=None, forward=True, size, conditions=()):
    """([Found] past `cursor` (tier, key, id) in relevance order, or before it, nearest
    first, if not `forward`; how many learners match, up to COUNT_CAP + 1): one query."""
    sql, params = statement(
        query, active=active, cursor=cursor, forward=forward, size=size, conditions=conditions
    )
    with connection.cursor() as db:
        db.execute(sql, params)
        fetched = db.fetchall()
    found = [_found(row) for row in fetched if row[1] is not None]
    keyed = sorted((row for row in found if row.tier < FRAGMENTS), key=lambda r: r[:3])
    fragments = [row for row in found if row.tier == FRAGMENTS]
    ordered = keyed + sorted(fragments, key=lambda row: (row.key, row.id), reverse=True)
    return (ordered if forward else ordered[::-1]), fetched[0][0]


def statement(query, *, active, cursor=None, forward=True, size, conditions=()):
    """The page's statement (sql, params): the tiers past the cursor, the tiers from the
    start counted (the last one unordered), and the rows of the page with their roles."""
    term, params = _params(query, active, cursor=cursor, size=size, conditions=conditions)
    page_parts, page_union = _chain(term, "", cursor, forward, "%(size)s", ordered=True)
    count_parts, count_union = _chain(term, "c_", None, True, "%(cap)s", ordered=False)
    roles = ", ".join(
        "EXISTS (SELECT 1 FROM users_user_groups m WHERE m.user_id = u.id "
        f"AND m.group_id = (SELECT g.id FROM auth_group g WHERE g.name = %(role{number})s))"
        for number in range(len(GROUP_NAMES))
    )
    columns = ", ".join(f"u.{name}" for name in LIST_COLUMNS)
    sql = (
        f"WITH {', '.join(page_parts + count_parts)} "
        f"SELECT n.total, p.* FROM (SELECT COUNT(*) AS total FROM ({count_union}) c) n "
        f"LEFT JOIN (SELECT h.tier, h.key, h.seen, {columns}, {roles} FROM ({page_union}) h "
        "JOIN users_user u ON u.id = h.id) p ON 1 = 1"
    )
    return sql.replace("{NARROW}", params["narrow"]), params


def match_count(query, *, active, conditions=()):
    """How many learners a search finds, up to COUNT_CAP + 1 (for the sorts by a column)."""
    term, params = _params(query, active, conditions=conditions)
    parts, union = _chain(term, "c_", None, True, "%(cap)s", ordered=False)
    with connection.cursor() as db:
        sql = f"WITH {', '.join(parts)} SELECT COUNT(*) FROM ({union}) c"
        db.execute(sql.replace("{NARROW}", params["narrow"]), params)
        return db.fetchone()[0]


def _params(query, active, *, cursor=None, size=0, conditions=()):
    term = normalise(query)
    narrow, narrow_params = list_filters.joined(conditions)
    params = {"term": folded(term), "active": active, "narrow": narrow, **narrow_params}
    params.update(
        {name: like.format(escape_like(params["term"])) for name, like in PATTERNS.items()}
    )
    params.update(never=_adapt(NEVER_SIGNED_IN), size=size, cap=COUNT_CAP + 1, walk=WALK)
    params.update({f"role{number}": name for number, name in enumerate(GROUP_NAMES.values())})
    if cursor:
        key = cursor[1] if cursor[0] < FRAGMENTS else _adapt(cursor[1])
        params.update(ckey=key, cid=cursor[2])
    return term, params


def _chain(term, prefix, cursor, forward, size, *, ordered):
    """([CTE], union of the tiers): the tiers in turn (backwards if not `forward`), each
    limited to what the ones before it left of `size`. Counting (not `ordered`) a term
    with fragments, tier 4 alone holds every match (the others' are fragments too)."""
    tiers = list(range(FRAGMENTS + 1 if has_fragments(term) else FRAGMENTS))
    if not ordered and has_fragments(term):
        tiers = [FRAGMENTS]
    parts, done, left = [], [], size
    for tier in tiers if forward else reversed(tiers):
        if done:
            # What the tiers read so far left of the page, counted once.
            parts.append(
                f"{prefix}left{tier} AS MATERIALIZED (SELECT {left} - "
                f"(SELECT COUNT(*) FROM {prefix}tier{done[-1]}) AS n)"
            )
            left = f"(SELECT n FROM {prefix}left{tier})"
        beyond = _beyond(tier, cursor, forward)
        if tier < FRAGMENTS:
            part = _keyed(tier, beyond, forward, left)
        else:
            part = _fragments(beyond, forward, left, ordered=ordered, alone=len(tiers) == 1)
        parts.append(re.sub(r"(?<!%\()\b(tier\d|left\d|walk|hits)\b", rf"{prefix}\1", part))
        done.append(tier)
    union = " UNION ALL ".join(f"SELECT tier, key, seen, id FROM {prefix}tier{t}" for t in done)
    return parts, union


def _beyond(tier, cursor, forward):
    """The condition that keeps a tier's rows past the cursor: all of them, none, or those
    past its position inside this tier (`{ORDER}` stands for the tier's order key)."""
    if cursor is None or (tier > cursor[0]) == forward and tier != cursor[0]:
        return ""
    if tier != cursor[0]:
        return " AND 1 = 0"
    ascending = forward if tier < FRAGMENTS else not forward
    return f" AND ({{ORDER}}, u.id) {'>' if ascending else '<'} (%(ckey)s, %(cid)s)"


def _keyed(tier, beyond, forward, left):
    key, condition = KEYED[tier]
    way = "ASC" if forward else "DESC"
    where = f"{ACTIVE} AND {condition}{beyond.replace('{ORDER}', key)}"
    if tier == 0:
        # Exact matches are few: the three equality lookups OR'd, unordered, then sorted.
        body = (
            f"SELECT id, 0 AS tier, key, {{NO_TIME}} AS seen FROM (SELECT u.id, {key} AS key "
            f"FROM users_user u WHERE {where} {{FENCE}}) exact "
            f"ORDER BY key {way}, id {way} LIMIT {left}"
        )
    else:
        body = (
            f"SELECT u.id, {tier} AS tier, {key} AS key, {{NO_TIME}} AS seen FROM users_user u "
            f"WHERE {where} ORDER BY {key} {way}, u.id {way} LIMIT {left}"
        )
    return _sql(f"tier{tier} AS MATERIALIZED ({body})")


def _fragments(beyond, forward, left, *, ordered, alone=False):
    """Tier 4: the first WALK learners by last sign-in, filtered (stops at a page); if they
    held too few (or the walk reached the end), every match through the trigram index.
    Unordered, the trigram index's matches come as found; `alone`, tier 4 holds all."""
    way = "DESC" if forward else "ASC"
    fragment = "{KEY} LIKE {fragment}" if alone else FRAGMENT
    order = f"ORDER BY {SEEN} {way}, u.id {way}"
    active = f"{ACTIVE}{beyond.replace('{ORDER}', SEEN)}"
    short = f"(SELECT COUNT(*) FROM hits) < {left}"
    return _sql(
        f"walk AS NOT MATERIALIZED (SELECT u.id, {SEEN} AS seen, {{KEY}} AS key "
        f"FROM users_user u WHERE {active} {order} LIMIT %(walk)s), "
        f"hits AS MATERIALIZED (SELECT u.id, u.seen FROM walk u "
        f"WHERE {fragment.replace('{KEY}', 'u.key')} "
        f"ORDER BY u.seen {way}, u.id {way} LIMIT {left}), "
        f"tier4 AS MATERIALIZED (SELECT id, 4 AS tier, NULL AS key, seen FROM hits "
        f"WHERE NOT ({short}) UNION ALL SELECT id, 4, NULL, seen FROM ("
        f"SELECT u.id, {SEEN} AS seen FROM users_user u WHERE {active} AND {fragment} "
        f"AND {short} {order if ordered else ''} LIMIT {left}) rest)"
    )


def _moment(value):
    """A timestamp as the database driver gave it (SQLite: text in UTC), made aware."""
    return parse_datetime(value).replace(tzinfo=UTC) if isinstance(value, str) else value


def _adapt(moment):
    return connection.ops.adapt_datetimefield_value(moment)


def _found(row):
    """A Found from a statement row: (total, tier, key, seen, *LIST_COLUMNS, *roles)."""
    _, tier, key, seen, pk, email, first, last, active, last_login, joined, *roles = row
    last_login, joined = _moment(last_login), _moment(joined)
    return Found(
        tier,
        key if tier < FRAGMENTS else _moment(seen),
        pk,
        email,
        first,
        last,
        bool(active),
        last_login,
        joined,
        last_login or NEVER_SIGNED_IN,
        *(bool(role) for role in roles),
    )
