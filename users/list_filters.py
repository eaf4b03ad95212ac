"""The filters of Users > Learners and Users > Staff, read from the query string.

Each filter is a condition on `users_user u` in SQL with named parameters, so the search
statement (users/search.py) and the lists sorted by a column (the ORM) apply the very same
condition. A tab app may add one filter through its AppConfig's `learner_list_filter`
(access: Panorama or sublicense seat), as it adds its tab. Users > Learners also filters
on one school-defined learner field ("Cost centre = 4100").
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import formats, timezone
from django.utils.module_loading import import_string

from . import field_types
from .models import ProfileField
from .roles import GROUP_NAMES, Role

LEARNERS, STAFF = "learners", "staff"
STAFF_ROLES = [
    (Role.ADMIN.value, Role.ADMIN.label),
    (Role.CUSTOMER_SERVICE.value, "Customer Service"),
]


@dataclass(frozen=True)
class Condition:
    """SQL on `users_user u` (parameters as %(name)s) and its parameters."""

    sql: str
    params: dict = field(default_factory=dict)


def _in_group(*names):
    """u is a member of one of these groups. An uncorrelated IN: PostgreSQL reads the (few)
    members once into a hash, so each row a search walks costs one probe; a correlated EXISTS
    per group cost 2-3x the whole search statement at 1M learners (bench/search.py)."""
    wanted = ", ".join(f"%({name})s" for name in names)
    return (
        "u.id IN (SELECT fm.user_id FROM users_user_groups fm JOIN auth_group fg "
        f"ON fg.id = fm.group_id WHERE fg.name IN ({wanted}))"
    )


GROUPS = {f"f_group_{role.value}": group for role, group in GROUP_NAMES.items()}
ANY_STAFF_GROUP = _in_group(*GROUPS)
SCOPES = {
    LEARNERS: Condition(f"NOT u.is_superuser AND NOT {ANY_STAFF_GROUP}", GROUPS),
    STAFF: Condition(f"(u.is_superuser OR {ANY_STAFF_GROUP})", GROUPS),
}
ROLES = {
    Role.ADMIN.value: Condition(_in_group("f_group_admin"), GROUPS),
    Role.CUSTOMER_SERVICE.value: Condition(
        f"{_in_group('f_group_customer_service')} AND NOT {_in_group('f_group_admin')}", GROUPS
    ),
}


# The learner field filter: a field and the value it must hold, two inputs, one filter.
LEARNER_FIELD, FIELD_VALUE = "pf_field", "pf_value"
# The text of users_profile_value_lookup's expression (users/models/records.py) on each
# vendor, literally, so the planner matches the index: (field_id, prefix) is a probe.
INDEXED_PREFIX_SQL = {
    "postgresql": f"LEFT(pv.value, {field_types.INDEXED_PREFIX})",
    "sqlite": f"SUBSTR(pv.value, 1, {field_types.INDEXED_PREFIX})",
}


def field_value_condition(field, stored):
    """Learners whose answer to `field` is `stored` (canonical text, field_types.filter_value).
    An uncorrelated IN, like _in_group: the index gives the (few or many) learners once."""
    params = {"f_pf_field": field.pk}
    if field.field_type == field_types.Type.CHOICES:
        # Several choices are stored as keys joined by commas: the learner picked this one
        # among others. Only field_id is served by the index here (a range over that field's
        # rows); the LIKE reads each of them.
        like = "%," + "".join("\\" + c if c in "\\%_" else c for c in stored) + ",%"
        return Condition(
            "u.id IN (SELECT pv.user_id FROM users_profilevalue pv WHERE "
            "pv.field_id = %(f_pf_field)s AND (',' || pv.value || ',') LIKE %(f_pf_like)s "
            "ESCAPE '\\')",
            {**params, "f_pf_like": like},
        )
    prefix = INDEXED_PREFIX_SQL.get(connection.vendor, INDEXED_PREFIX_SQL["postgresql"])
    return Condition(
        "u.id IN (SELECT pv.user_id FROM users_profilevalue pv WHERE "
        f"pv.field_id = %(f_pf_field)s AND {prefix} = %(f_pf_prefix)s "
        "AND pv.value = %(f_pf_value)s)",
        {
            **params,
            "f_pf_prefix": stored[: field_types.INDEXED_PREFIX],
            "f_pf_value": stored,
        },
    )


def filterable_fields():
    """The active learner fields of every kind a list may filter on: reference fields, then
    custom inputs, then survey questions, each in its order."""
    kinds = list(ProfileField.Kind)
    found = ProfileField.objects.filter(
        retired_at__isnull=True, field_type__in=field_types.FILTERABLE
    )
    return sorted(found, key=lambda f: (kinds.index(f.kind), f.position, f.pk))


def seat_filter():
    """The tab apps' extra filter (at most one: a Panorama or sublicense seat), or None."""
    for config in apps.get_app_configs():
        path = getattr(config, "learner_list_filter", None)
        if path:
            return import_string(path)()
    return None


class ListFilterForm(forms.Form):
    """The filters as the query string carries them; an invalid one is reported next to its
    field and left out (the list stays as the valid ones make it)."""

    disabled = forms.ChoiceField(
        label="Status",
        choices=[("", "Active"), ("1", "Disabled")],
        required=False,
    )
    role = forms.ChoiceField(
        label="Role", choices=[("", "Any staff role"), *STAFF_ROLES], required=False
    )
    signed_in_from = forms.DateField(
        label="Last sign-in from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    signed_in_to = forms.DateField(
        label="Last sign-in to",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    never_signed_in = forms.BooleanField(label="Never signed in", required=False)

    def __init__(self, data, *, scope=LEARNERS):
        super().__init__(data)
        self.scope = scope
        if scope != STAFF:
            del self.fields["role"]
        self.extra = seat_filter() if scope == LEARNERS else None
        if self.extra is not None:
            self.fields[self.extra.name] = forms.ChoiceField(
                label=self.extra.label,
                choices=[("", "Any"), *self.extra.choices()],
                required=False,
            )
        self.learner_fields = {}
        if scope == LEARNERS:
            self._add_learner_field_filter()

    def _add_learner_field_filter(self):
        """Learner field and Value: one filter on one field's answers."""
        self.learner_fields = {str(f.pk): f for f in filterable_fields()}
        groups = {}
        for pk, learner_field in self.learner_fields.items():
            groups.setdefault(learner_field.get_kind_display(), []).append(
                (pk, learner_field.label)
            )
        self.fields[LEARNER_FIELD] = forms.ChoiceField(
            label="Learner field",
            choices=[("", "Any"), *groups.items()],
            required=False,
            error_messages={"invalid_choice": "Choose one of the learner fields listed."},
        )
        self.fields[FIELD_VALUE] = forms.CharField(
            label="Value",
            max_length=field_types.SHORT_MAX,
            required=False,
            help_text="The learner field's answer: a choice by its label or key, a date as "
            "YYYY-MM-DD, yes or no.",
        )

    def clean(self):
        data = super().clean()
        self._clean_learner_field(data)
        start, end = data.get("signed_in_from"), data.get("signed_in_to")
        if start and end and start > end:
            self.add_error("signed_in_to", "Choose a day on or after the “from” day.")
        if data.get("never_signed_in") and (start or end):
            self.add_error(
                "never_signed_in",
                "A learner who never signed in has no last sign-in date: "
                "clear the dates or this box.",
            )
        return data

    def _clean_learner_field(self, data):
        """The stored text the chosen field must hold (data["pf_stored"]), or an error."""
        field = self.learner_fields.get(data.get(LEARNER_FIELD) or "")
        text = data.get(FIELD_VALUE)
        if not text or FIELD_VALUE in self.errors:
            return
        if field is None:
            if LEARNER_FIELD not in self.errors:
                self.add_error(FIELD_VALUE, "Choose the learner field this value is for.")
            return
        try:
            data["pf_stored"] = field_types.filter_value(field, text)
        except ValidationError as error:
            self.add_error(FIELD_VALUE, error)

    def values(self):
        """{name: value} of the filters that hold, for links that keep them."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        kept = {}
        for name in self.fields:
            if name in self.errors or not cleaned.get(name):
                continue
            if name in (LEARNER_FIELD, FIELD_VALUE) and not cleaned.get("pf_stored"):
                continue  # half a filter (a field without a value, or a value it cannot hold)
            value = cleaned[name]
            kept[name] = "1" if value is True else str(value)
        return kept

    @property
    def disabled_only(self):
        return self.values().get("disabled") == "1"

    def conditions(self):
        """[Condition] of the scope and every valid filter, active or disabled aside."""
        values = self.values()
        found = [SCOPES[self.scope]]
        if values.get("role"):
            found.append(ROLES[values["role"]])
        zone = timezone.get_current_timezone()
        if "signed_in_from" in values:
            start = datetime.combine(self.cleaned_data["signed_in_from"], time.min, zone)
            found.append(Condition("u.last_login >= %(f_seen_from)s", {"f_seen_from": start}))
        if "signed_in_to" in values:
            day_after = self.cleaned_data["signed_in_to"] + timedelta(days=1)
            end = datetime.combine(day_after, time.min, zone)
            found.append(Condition("u.last_login < %(f_seen_to)s", {"f_seen_to": end}))
        if "never_signed_in" in values:
            found.append(Condition("u.last_login IS NULL"))
        if self.extra is not None and values.get(self.extra.name):
            found.append(self.extra.condition(values[self.extra.name]))
        if LEARNER_FIELD in values:
            field = self.learner_fields[values[LEARNER_FIELD]]
            found.append(field_value_condition(field, self.cleaned_data["pf_stored"]))
        return found

    def chosen(self):
        """[(name, label, shown value)] of the filters that narrow the list (status aside)."""
        shown = []
        for name, value in self.values().items():
            if name in ("disabled", FIELD_VALUE):
                continue
            label = self.fields[name].label
            if name == LEARNER_FIELD:
                field = self.learner_fields[value]
                label = field.label
                value = field_types.shown(field, self.cleaned_data["pf_stored"])
            elif name == "never_signed_in":
                value = "yes"
            elif isinstance(self.fields[name], forms.ChoiceField):
                value = _choice_label(self.fields[name].choices, value)
            else:
                value = formats.date_format(self.cleaned_data[name], "j M Y")
            shown.append((name, label, value))
        return shown

    @staticmethod
    def removing(name):
        """The query-string names a chip's Remove link takes out (a field goes with its value)."""
        return (LEARNER_FIELD, FIELD_VALUE) if name == LEARNER_FIELD else (name,)


def _choice_label(choices, value):
    for key, label in choices:
        if isinstance(label, (list, tuple)):
            found = _choice_label(label, value)
            if found is not None:
                return found
        elif str(key) == value:
            return str(label)
    return None


def joined(conditions):
    """(" AND ..." sql, params) of several conditions, for the search statement."""
    params = {}
    for condition in conditions:
        params.update(condition.params)
    sql = "".join(f" AND {condition.sql}" for condition in conditions)
    return sql, {name: _adapt(value) for name, value in params.items()}


def as_filter(conditions):
    """One expression for QuerySet.filter() on users_user holding every condition."""
    sql, params = joined(conditions)
    if not sql:
        return None
    values = []

    def positional(match):
        values.append(params[match.group(1)])
        return "%s"

    sql = re.sub(r"%\((\w+)\)s", positional, sql[len(" AND ") :])
    table = connection.ops.quote_name("users_user")
    return RawSQL(re.sub(r"\bu\.", f"{table}.", sql), values, output_field=BooleanField())


def _adapt(value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value
