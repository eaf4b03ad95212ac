"""Read queries for the /manage/ user pages, each a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.apps import apps
from django.db.models import Value
from django.db.models.functions import Coalesce

from . import field_types, list_filters, search
from .field_services import change_key
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
from .paging import decode_cursor, keyset_page, page_of
from .roles import role_annotations

PAGE_SIZE = 50
RELEVANCE = "relevance"
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
# A relevance cursor: (tier, key, id); the key of the fragment tier is a timestamp.
RELEVANCE_ORDER = [("tier", False), ("key", False), ("id", False)]
RELEVANCE_KINDS = ["int", "str", "int"]
LIST_COLUMNS = search.LIST_COLUMNS


def learner_search(queryset, query):
    """Users whose e-mail or name matches the search (every tier), in no particular order."""
    condition = search.matching(query)
    return queryset if condition is None else queryset.filter(condition)


def _list_rows(users):
    """Only what the list shows, role flags included, as named tuples (no model instances)."""
    roles = role_annotations()
    return users.annotate(**roles).values_list(*LIST_COLUMNS, "last_seen", *roles, named=True)


def sort_for(query, sort):
    """The sort a list request means: relevance by default for a search, else name."""
    if sort in SORTS or (sort == RELEVANCE and search.normalise(query)):
        return sort
    return RELEVANCE if search.normalise(query) else "name"


def learner_page(
    *, query="", disabled=False, sort="name", cursor=None, size=PAGE_SIZE, conditions=()
):
    """One page of Users > Learners (or Staff): keyset paging, no OFFSET, fixed queries.
    `conditions`: the list's filters (users/list_filters.py). A search also counts its
    matches up to search.COUNT_CAP + 1 (page.extra["count"])."""
    sort = sort_for(query, sort)
    users = narrowed(User.objects.filter(is_active=not disabled), conditions).annotate(
        last_seen=Coalesce("last_login", Value(NEVER_SIGNED_IN))
    )
    if sort == RELEVANCE:
        return _relevance_page(query, cursor, size, active=not disabled, conditions=conditions)
    page = keyset_page(
        _list_rows(learner_search(users, query)),
        order=SORTS[sort],
        kinds=SORT_KINDS[sort.lstrip("-")],
        cursor=cursor,
        size=size,
    )
    if search.normalise(query):
        page.extra["count"] = search.match_count(query, active=not disabled, conditions=conditions)
    else:
        page.extra["count"] = users[: search.COUNT_CAP + 1].count()
    return page


def narrowed(users, conditions):
    """The users the list's filters keep."""
    condition = list_filters.as_filter(conditions)
    return users if condition is None else users.filter(condition)


def _relevance_page(query, cursor, size, *, active, conditions):
    """A page in relevance order and the match count, in one query (users/search.py)."""
    decoded = decode_cursor(cursor, RELEVANCE_KINDS)
    position = search.decode(decoded[1]) if decoded else None
    if position is None:
        decoded = None
    forward = decoded is None or decoded[0] == "after"
    rows, count = search.page(
        query,
        active=active,
        cursor=position,
        forward=forward,
        size=size + 1,
        conditions=conditions,
    )
    page = page_of(rows, order=RELEVANCE_ORDER, forward=forward, decoded=decoded, size=size)
    page.extra["count"] = count
    return page


def record_tabs():
    """The user-record tabs the installed apps provide: [(label, url name)] in order."""
    tabs = []
    for config in apps.get_app_configs():
        tabs.extend(getattr(config, "user_record_tabs", ()))
    return [(label, url_name) for _, label, url_name in sorted(tabs)]


def profile_fields():
    """School-defined profile fields, in display order."""
    return list(ProfileField.objects.all())


@dataclass(frozen=True)
class Answer:
    """One learner field on the Details tab: its stored text, in words, and when answered."""

    field: ProfileField
    stored: str
    words: str
    answered_at: datetime | None


def details_panels(subject):
    """What the Details tab shows besides the form: learner fields (active ones, and retired
    ones that hold a value), invite, e-mails, Dual Role link. `profile_fields` is every field,
    for the History to name them (history_page)."""
    values = {value.field_id: value for value in ProfileValue.objects.filter(user=subject)}
    fields = profile_fields()
    by_kind = {kind: [] for kind in ProfileField.Kind.values}
    for field in fields:
        value = values.get(field.pk)
        if field.is_retired and value is None:
            continue
        stored = value.value if value else ""
        answered_at = value.answered_at if value else None
        by_kind[field.kind].append(
            Answer(field, stored, field_types.shown(field, stored), answered_at)
        )
    references = by_kind[ProfileField.Kind.REFERENCE]
    survey = by_kind[ProfileField.Kind.SURVEY]
    linked = (
        subject.learner_record_of
        if subject.learner_record_of_id
        else User.objects.filter(learner_record_of=subject).first()
    )
    return {
        "profile_fields": fields,
        "reference_values": [(a.field, a.stored) for a in references if not a.field.is_retired],
        "retired_references": [a for a in references if a.field.is_retired],
        "custom_inputs": by_kind[ProfileField.Kind.CUSTOM_INPUT],
        "survey_answers": survey,
        "survey_state": _survey_state(subject, survey),
        "last_invitation": Invitation.objects.filter(user=subject).select_related("email").first(),
        "emails": list(OutboundEmail.objects.filter(user=subject)[:5]),
        "linked_record": linked,
        "user_settings": UserSettings.load(),
    }


def _survey_state(subject, survey):
    """ "answered", "skipped" (done with no answer kept) or "pending"."""
    if subject.survey_done_at is None:
        return "pending"
    return "answered" if any(answer.stored for answer in survey) else "skipped"


def named_fields(events, fields):
    """Let these audit events' History rows name the learner fields (no query): a change
    "reference:<key>", "input:<key>" or "survey:<key>" reads as the field's label, its
    values in words."""
    names = {
        change_key(field): (field.label, partial(field_types.shown, field)) for field in fields
    }
    for event in events:
        event.learner_fields = names
    return events


HISTORY_ORDER = [("created_at", True), ("id", True)]


def history_page(subject, *, cursor=None, size=20, fields=()):
    """The record's audit events, newest first, a keyset page at a time; changes of these
    learner `fields` read by their labels (named_fields)."""
    page = keyset_page(
        AuditEvent.objects.filter(subject=subject),
        order=HISTORY_ORDER,
        kinds=["datetime", "int"],
        cursor=cursor,
        size=size,
    )
    named_fields(page.rows, fields)
    return page
