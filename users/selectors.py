"""Read queries for the /manage/ user pages, each a fixed number of queries."""

from datetime import UTC, datetime

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Concat

from .models import AuditEvent, Invitation, ProfileField, ProfileValue, User, UserSettings
from .paging import keyset_page

PAGE_SIZE = 50
NEVER = datetime(1970, 1, 1, tzinfo=UTC)

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
    query = " ".join(query.split())
    if not query:
        return queryset
    if is_email(query):
        return queryset.filter(email=query.lower())
    return queryset.annotate(full_name_search=Concat("first_name", Value(" "), "last_name")).filter(
        Q(full_name_search__icontains=query) | Q(email__icontains=query)
    )


def is_email(text):
    """A complete e-mail address takes the equality path."""
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def learner_page(*, query="", disabled=False, sort="name", cursor=None, size=PAGE_SIZE):
    """One page of the Users > Learners list."""
    if sort not in SORTS:
        sort = "name"
    users = User.objects.filter(is_active=not disabled).annotate(
        last_seen=Coalesce("last_login", Value(NEVER))
    )
    users = learner_search(users, query).prefetch_related("groups")
    return keyset_page(
        users,
        order=SORTS[sort],
        kinds=SORT_KINDS[sort.lstrip("-")],
        cursor=cursor,
        size=size,
    )


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
        "last_invitation": Invitation.objects.filter(user=subject).first(),
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
