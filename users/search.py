"""Learner search: one expression, one trigram index on PostgreSQL, a plain fallback elsewhere.

The index (migration 0007) covers exactly `SearchText()`, so a fragment of three or more
characters is a GIN trigram lookup. Shorter terms match word prefixes only (B-tree indexes
with text_pattern_ops), and a complete e-mail address is an equality lookup.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import BooleanField, F, Func, Q, TextField, Value

MIN_FRAGMENT = 3


class SearchText(Func):
    """LOWER(email || ' ' || first_name || ' ' || last_name): what the trigram index covers."""

    template = "LOWER(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self):
        super().__init__(F("email"), F("first_name"), F("last_name"))


class Like(Func):
    """`expression LIKE pattern`, written out so the planner matches the index expression."""

    template = "%(expressions)s"
    arg_joiner = " LIKE "
    output_field = BooleanField()


class LowerColumn(Func):
    template = "LOWER(%(expressions)s)"
    output_field = TextField()


def escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def is_email(text):
    """A complete e-mail address takes the equality path."""
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def normalise(query):
    # PostgreSQL text cannot hold NUL, so no stored name or e-mail contains one.
    return " ".join(query.replace("\x00", " ").split()).lower()


def is_short(query):
    return 0 < len(normalise(query)) < MIN_FRAGMENT


def matching(query):
    """The filter for a search term (an expression or Q), or None for no filter."""
    term = normalise(query)
    if not term:
        return None
    if is_email(term):
        return Q(email=term)
    if len(term) < MIN_FRAGMENT:
        prefix = Value(escape_like(term) + "%")
        return (
            Q(Like(LowerColumn(F("first_name")), prefix))
            | Q(Like(LowerColumn(F("last_name")), prefix))
            | Q(Like(F("email"), prefix))
        )
    return Q(Like(SearchText(), Value("%" + escape_like(term) + "%")))


def sql_condition(query, alias):
    """The same filter as `matching`, as SQL over a subquery's columns: (sql, params)."""
    term = normalise(query)
    if is_email(term):
        return f"{alias}.email = %s", [term]
    if len(term) < MIN_FRAGMENT:
        prefix = escape_like(term) + "%"
        return (
            f"(LOWER({alias}.first_name) LIKE %s OR LOWER({alias}.last_name) LIKE %s "
            f"OR {alias}.email LIKE %s)",
            [prefix, prefix, prefix],
        )
    return (
        f"LOWER({alias}.email || ' ' || {alias}.first_name || ' ' || {alias}.last_name) LIKE %s",
        ["%" + escape_like(term) + "%"],
    )
