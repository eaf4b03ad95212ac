"""The demo school's learner fields: two reference fields, two custom sign-up inputs and a
three-question onboarding survey, defined through the service an Admin uses, and their
values for the demo learners, written in bulk (COPY on PostgreSQL: a million learners'
worth in under a minute).

Every learner has the reference values (staff set them when the learner joined); a learner
who answered the onboarding survey (users/demo.py sets survey_done_at) also answered the
custom inputs, a few minutes before, when accepting the invitation. Learners who already
have an Employee ID are left alone, so running it twice adds nothing.
"""

import random
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from . import field_services, field_types
from .bulk_writes import copy_rows
from .demo import indexes_built_after
from .models import ProfileField, ProfileValue, User

Kind, Type = ProfileField.Kind, ProfileField.Type

COST_CENTRES = {
    "4100 Finance": 1,
    "4200 Sales": 4,
    "4300 Operations": 5,
    "4400 People": 1,
    "4500 Engineering": 3,
}
COUNTRIES = (
    "Portugal",
    "Norway",
    "Japan",
    "United States",
    "Nigeria",
    "France",
    "Germany",
    "India",
)
COUNTRY_OF_CITY = {
    "Lisbon": "Portugal",
    "Porto": "Portugal",
    "Oslo": "Norway",
    "Osaka": "Japan",
    "Austin": "United States",
    "Lagos": "Nigeria",
    "Lyon": "France",
}
JOB_TITLES = (
    "Account Executive",
    "Accountant",
    "Customer Success Manager",
    "Data Analyst",
    "Field Technician",
    "HR Business Partner",
    "Marketing Specialist",
    "Nurse",
    "Operations Coordinator",
    "Payroll Officer",
    "Product Manager",
    "Sales Representative",
    "Software Engineer",
    "Store Manager",
    "Support Agent",
    "Team Lead",
    "Warehouse Supervisor",
)
GOALS = (
    "Leadership",
    "Data and analytics",
    "Communication",
    "Project management",
    "Software tools",
    "Compliance and safety",
)
HOURS = ("1", "1.5", "2", "2", "3", "3", "4", "5", "6", "8", "10")

EMPLOYEE_ID = "employee-id"
FIELDS = (
    {
        "kind": Kind.REFERENCE,
        "key": EMPLOYEE_ID,
        "label": "Employee ID",
        "field_type": Type.SHORT_TEXT,
        "required": True,
        "learner_visible": True,
        "help_text": "As in the HR system, e.g. E0004217.",
    },
    {
        "kind": Kind.REFERENCE,
        "key": "cost-centre",
        "label": "Cost centre",
        "field_type": Type.CHOICE,
        "choices": tuple(COST_CENTRES),
    },
    {
        "kind": Kind.CUSTOM_INPUT,
        "key": "job-title",
        "label": "Job title",
        "field_type": Type.SHORT_TEXT,
        "required": True,
    },
    {
        "kind": Kind.CUSTOM_INPUT,
        "key": "country-of-work",
        "label": "Country of work",
        "field_type": Type.CHOICE,
        "choices": COUNTRIES,
    },
    {
        "kind": Kind.SURVEY,
        "key": "learning-goals",
        "label": "What do you most want to learn?",
        "field_type": Type.CHOICES,
        "choices": GOALS,
        "help_text": "Pick as many as you like.",
    },
    {
        "kind": Kind.SURVEY,
        "key": "study-hours",
        "label": "How many hours a week can you study?",
        "field_type": Type.NUMBER,
    },
    {
        "kind": Kind.SURVEY,
        "key": "mentor",
        "label": "Would you like a mentor?",
        "field_type": Type.YES_NO,
    },
)
KEYS = [spec["key"] for spec in FIELDS]
CHUNK = 50_000
COLUMNS = ["user_id", "field_id", "value", "answered_at"]


def define(*, actor, log=print):
    """The demo's learner fields, made through field_create (each audited as made by
    `actor`, the demo Admin); a field whose key exists is left as it is."""
    existing = set(ProfileField.objects.filter(key__in=KEYS).values_list("key", flat=True))
    made = [
        field_services.field_create(actor=actor, **spec)
        for spec in FIELDS
        if spec["key"] not in existing
    ]
    if made:
        log(f"  learner fields: {', '.join(field.label for field in made)}")


def answer(*, seed=7, log=print):
    """The demo fields' values for every learner who has no Employee ID yet."""
    fields = {
        field.key: field
        for field in ProfileField.objects.filter(key__in=KEYS, retired_at__isnull=True)
    }
    if EMPLOYEE_ID not in fields:
        return
    # Read before any is written: while the table fills, its statistics are those of before,
    # and a query joining it would be planned for far fewer rows than it has.
    lacking = ~Exists(ProfileValue.objects.filter(user=OuterRef("pk"), field=fields[EMPLOYEE_ID]))
    todo = list(
        User.objects.filter(lacking, groups__isnull=True, is_superuser=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not todo:
        return
    # A learner may have answered some of them in the product already.
    taken = set(
        ProfileValue.objects.filter(field__in=fields.values())
        .filter(
            ~Exists(ProfileValue.objects.filter(user=OuterRef("user"), field=fields[EMPLOYEE_ID]))
        )
        .values_list("user_id", "field_id")
    )
    answers = _Answers(fields, random.Random(seed))
    postgres = connection.vendor == "postgresql"
    rebuild = postgres and len(todo) >= 100_000
    table = ProfileValue._meta.db_table
    # One transaction: if it stops half-way, the table is as it was, indexes and all.
    with transaction.atomic(), indexes_built_after(table, rebuild=rebuild, log=log):
        for start in range(0, len(todo), CHUNK):
            ids = todo[start : start + CHUNK]
            wanted = set(ids)
            learners = User.objects.filter(pk__gte=ids[0], pk__lte=ids[-1]).values_list(
                "pk", "date_joined", "survey_done_at", "city"
            )
            rows = [
                row
                for learner in learners
                if learner[0] in wanted
                for row in answers.of(*learner)
                if (row[0], row[1]) not in taken
            ]
            _write(rows, postgres=postgres)
            log(f"  learner fields: values for {start + len(ids):,} / {len(todo):,} learners")


def _write(rows, *, postgres):
    if postgres:
        with connection.cursor() as cursor:
            copy_rows(cursor.cursor, ProfileValue._meta.db_table, COLUMNS, rows)
        return
    ProfileValue.objects.bulk_create(
        [ProfileValue(**dict(zip(COLUMNS, row, strict=True))) for row in rows], batch_size=2000
    )


class _Answers:
    """One learner's values, in canonical text (users/field_types.py), with the choices the
    fields offer now (an Admin may have edited them since the demo made them)."""

    def __init__(self, fields, rng):
        self.rng = rng
        self.ids = {key: field.pk for key, field in fields.items()}
        self.offered = {
            key: {label: choice for choice, label in field_types.offered_choices(field)}
            for key, field in fields.items()
        }
        centres = self.offered.get("cost-centre", {})
        self.centres = list(centres.values())
        self.weights = [COST_CENTRES.get(label, 1) for label in centres]
        self.goals = list(self.offered.get("learning-goals", {}).values())
        self.countries = list(self.offered.get("country-of-work", {}).values())

    def of(self, user_id, joined, survey_done, city):
        """[user_id, field_id, value, answered_at] rows of the fields that exist."""
        values = [(EMPLOYEE_ID, f"E{user_id:07d}", joined)]
        rng = self.rng
        if self.centres:
            values.append(("cost-centre", rng.choices(self.centres, self.weights)[0], joined))
        if survey_done is not None:
            signed_up = max(joined, survey_done - timedelta(minutes=rng.uniform(1, 20)))
            values += [
                ("job-title", rng.choice(JOB_TITLES), signed_up),
                ("country-of-work", self._country(city), signed_up),
                ("learning-goals", self._goals(), survey_done),
                ("study-hours", rng.choice(HOURS), survey_done),
                ("mentor", "yes" if rng.random() < 0.4 else "no", survey_done),
            ]
        return [
            (user_id, self.ids[key], value, moment)
            for key, value, moment in values
            if key in self.ids and value
        ]

    def _country(self, city):
        if not self.countries:
            return ""
        home = self.offered["country-of-work"].get(COUNTRY_OF_CITY.get(city, ""))
        if home and self.rng.random() < 0.85:
            return home
        return self.rng.choice(self.countries)

    def _goals(self):
        if not self.goals:
            return ""
        picked = set(self.rng.sample(self.goals, self.rng.randint(1, min(3, len(self.goals)))))
        return ",".join(key for key in self.goals if key in picked)
