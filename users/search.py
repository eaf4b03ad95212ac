"""Learner search: one stored column, one trigram index on PostgreSQL, a plain scan elsewhere.

`User.search_text` is "e-mail first last", lower-cased, computed by the database
(`SearchText`). A fragment of three or more characters matches anywhere in it (a GIN
trigram lookup, migration 0012); a shorter one matches the start of the e-mail or of a
word of the name; a complete e-mail address is an equality lookup. The display-order
indexes carry search_text too, so a frequent term can be found by walking them in order
without reading the table (see selectors.learner_page).
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F, Func, Q, TextField

MIN_FRAGMENT = 3


class SearchText(Func):
    """LOWER(email || ' ' || first_name || ' ' || last_name): the stored search column."""

    template = "LOWER(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self):
        super().__init__(F("email"), F("first_name"), F("last_name"))


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


def is_exact(query):
    return is_email(normalise(query))


def _patterns(term):
    """The LIKE patterns over search_text, OR'd, for a normalised term that is no e-mail."""
    if len(term) < MIN_FRAGMENT:
        # The start of the e-mail, or of any word of the name (words follow a space).
        return [escape_like(term) + "%", "% " + escape_like(term) + "%"]
    return ["%" + escape_like(term) + "%"]


def matching(query):
    """The filter for a search term (a Q), or None for no filter."""
    term = normalise(query)
    if not term:
        return None
    if is_email(term):
        return Q(email=term)
    if len(term) < MIN_FRAGMENT:
        return Q(search_text__startswith=term) | Q(search_text__contains=" " + term)
    return Q(search_text__contains=term)


def sql_condition(query, alias):
    """`matching` as PostgreSQL over a subquery's search_text column: (sql, params).

    Each pattern is a one-row subquery (an init plan), so the planner does not price it:
    pricing a LIKE constant runs it over the column's whole statistics sample (1,000
    values here), about 0.2 ms of planning per use, for statements whose shape is fixed
    anyway (a walk in index order, stopped at a page). Only the estimate needs a price.
    """
    term = normalise(query)
    if is_email(term):
        return f"{alias}.email = %s", [term]
    patterns = _patterns(term)
    conditions = " OR ".join(f"{alias}.search_text LIKE (SELECT %s::text)" for _ in patterns)
    return f"({conditions})", patterns
