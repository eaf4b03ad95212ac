"""Demo data for the users app: staff to sign in with and believable learners."""

import itertools
import random
from contextlib import contextmanager

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from . import services
from .models import User
from .roles import Role

ADMIN_EMAIL = "admin@school.example"
ADMIN_PASSWORD = "admin-demo-2026"
SUPPORT_EMAIL = "support@school.example"
SUPPORT_PASSWORD = "support-demo-2026"
LEARNER_PASSWORD = "learner-demo-2026"

FIRST_NAMES = (
    "Ada Alan Amara Ana Andrea Anna Ari Beatriz Ben Chen Chloe Daniel Diego Elena Emma Eva "
    "Fatima Felix Grace Hana Hugo Ines Ivan Jamal Jana Jia John Jose Julia Kai Kenji Lara Leo "
    "Lina Luca Maria Mateo Maya Mei Mia Nadia Noah Nora Olga Omar Priya Rafael Rosa Sam Sara "
    "Sofia Tariq Theo Uma Victor Wei Yara Yusuf Zoe"
).split()
LAST_NAMES = (
    "Abbott Adams Ahmed Alvarez Anderson Andersson Baker Becker Chen Costa Davis Dubois Eriksen "
    "Fischer Garcia Gonzalez Hansen Hernandez Ito Jensen Johnson Kim Kowalski Lee Lopez Martin "
    "Meyer Miller Moreau Nakamura Nguyen Novak Okafor Olsen Park Patel Perez Rossi Santos Schmidt "
    "Silva Singh Smith Sorensen Tanaka Taylor Thompson Walker Wang Williams Wilson Yamamoto Zhang"
).split()
DOMAINS = ("example.com", "mail.example", "school.example", "corp.example", "learners.example")
# The share of learners who have signed in that answered the sign-up inputs and the survey.
ANSWERED_SHARE = 0.96


def seed(*, learners, seed=7, log=print):
    """Create the demo staff and top the learners up to `learners` (users/demo_fields.py
    gives them their learner fields' values, once the rest of the school is made)."""
    services.staff_create(email=ADMIN_EMAIL, role=Role.ADMIN, password=ADMIN_PASSWORD)
    services.staff_create(
        email=SUPPORT_EMAIL, role=Role.CUSTOMER_SERVICE, password=SUPPORT_PASSWORD
    )
    existing = User.objects.filter(groups__isnull=True, is_superuser=False).count()
    missing = max(0, learners - existing)
    _create_learners(missing, start=existing, rng=random.Random(seed + existing), log=log)


SYLLABLES = (
    "an be ca da el fa ga ha in jo ka la ma na or pa ra sa ta ul va wa ya zo bri cor "
    "dan fen gor hal ker lin mor nik pel quin ros sten tor vin wel"
).split()


def _surnames(rng, count=2500):
    """Real surnames plus invented ones, so name frequencies look like a real school."""
    names = list(LAST_NAMES)
    while len(names) < count:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        names.append(name.capitalize() + rng.choice(("", "son", "er", "i", "ez", "ov", "ski")))
    return names


def _learner_rows(count, *, start, rng, now):
    surnames = _surnames(random.Random(11))
    # Its own generator, so the names, e-mails and dates stay those the seed always gave.
    surveys = random.Random(start + 1)
    for number in range(start + 1, start + count + 1):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES) if rng.random() < 0.4 else rng.choice(surnames)
        email = (
            f"learner{number}@example.com"
            if number <= 10
            else f"{first}.{last}.{number}@{rng.choice(DOMAINS)}".lower()
        )
        # The first ten (the ones to sign in as) have been around long enough to have a story.
        days = rng.randint(180 if number <= 10 else 0, 900)
        joined = now - timezone.timedelta(days=days, seconds=rng.randint(0, 86399))
        last_login = (
            min(joined + timezone.timedelta(days=rng.randint(0, 30)), now)
            if rng.random() > 0.2
            else None
        )
        yield {
            "email": email,
            "first_name": first,
            "last_name": last,
            "is_active": number <= 10 or rng.random() > 0.07,
            "date_joined": joined,
            "last_login": last_login,
            "city": rng.choice(("Lisbon", "Oslo", "Osaka", "Austin", "Lagos", "Lyon")),
            "survey_done_at": _survey_done(number, joined, last_login, rng=surveys),
        }


def _survey_done(number, joined, last_login, *, rng):
    """When the learner answered the onboarding survey, right after accepting the invitation
    (which signs them in): nearly every learner who has signed in, and the first ten."""
    answered = rng.random() < ANSWERED_SHARE
    if not (number <= 10 or (last_login is not None and answered)):
        return None
    done = joined + timezone.timedelta(minutes=rng.uniform(5, 3 * 24 * 60))
    return min(done, last_login) if last_login is not None else done


COPY_COLUMNS = (
    "email first_name last_name password is_active is_staff is_superuser date_joined "
    "last_login city phone street region postal_code country version survey_done_at"
).split()


def _create_learners(count, *, start, rng, log, batch_size=50_000):
    """Bulk-load learners: COPY on PostgreSQL (a million in about a minute), else bulk_create."""
    if count <= 0:
        return
    password = make_password(LEARNER_PASSWORD)
    rows = _learner_rows(count, start=start, rng=rng, now=timezone.now())
    if connection.vendor == "postgresql":
        _copy_learners(rows, count, start=start, password=password, log=log, every=batch_size)
        return
    made = 0
    while made < count:
        batch = [
            User(password=password, **row)
            for row in itertools.islice(rows, min(5000, count - made))
        ]
        User.objects.bulk_create(batch)
        made += len(batch)
        log(f"  learners: {start + made:,} / {start + count:,}")


def _copy_learners(rows, count, *, start, password, log, every):
    sql = f"COPY users_user ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    with indexes_built_after("users_user", rebuild=count >= 100_000, log=log):
        _copy_learner_rows(sql, rows, count, start=start, password=password, log=log, every=every)


@contextmanager
def indexes_built_after(table, *, rebuild, log):
    """Load `table` without its non-unique indexes and foreign keys, then build and check
    them once (several times faster than row by row), and ANALYZE it so queries plan with
    its statistics. PostgreSQL only (elsewhere it only runs the block)."""
    if connection.vendor != "postgresql":
        yield
        return
    quoted = connection.ops.quote_name(table)
    indexes, foreign_keys = [], []
    if rebuild:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            foreign_keys = cursor.fetchall()
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
            for name, _ in foreign_keys:
                cursor.execute(f'ALTER TABLE {quoted} DROP CONSTRAINT "{name}"')
    yield
    with connection.cursor() as cursor:
        for name, definition in indexes:
            log(f"  rebuilding index {name}")
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {quoted} ADD CONSTRAINT "{name}" {definition}')
        # VACUUM sets the visibility map so searches walk the covering indexes only.
        cursor.execute(
            f"ANALYZE {quoted}" if connection.in_atomic_block else f"VACUUM ANALYZE {quoted}"
        )


def _copy_learner_rows(sql, rows, count, *, start, password, log, every):
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for made, row in enumerate(rows, start=1):
            copy.write_row(
                (
                    row["email"],
                    row["first_name"],
                    row["last_name"],
                    password,
                    row["is_active"],
                    False,
                    False,
                    row["date_joined"],
                    row["last_login"],
                    row["city"],
                    "",
                    "",
                    "",
                    "",
                    "",
                    1,
                    row["survey_done_at"],
                )
            )
            if made % every == 0 or made == count:
                log(f"  learners: {start + made:,} / {start + count:,}")
