"""Demo data for the users app: staff to sign in with and believable learners."""

import random

from django.contrib.auth.hashers import make_password
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


def seed(*, learners, seed=7, log=print):
    """Create the demo staff and top the learners up to `learners`; returns the learners."""
    services.staff_create(email=ADMIN_EMAIL, role=Role.ADMIN, password=ADMIN_PASSWORD)
    services.staff_create(
        email=SUPPORT_EMAIL, role=Role.CUSTOMER_SERVICE, password=SUPPORT_PASSWORD
    )
    existing = User.objects.filter(groups__isnull=True, is_superuser=False).count()
    missing = max(0, learners - existing)
    _create_learners(missing, start=existing, rng=random.Random(seed + existing), log=log)


def _create_learners(count, *, start, rng, log, batch_size=5000):
    password = make_password(LEARNER_PASSWORD)
    now = timezone.now()
    made = 0
    while made < count:
        batch = []
        for number in range(start + made + 1, start + min(count, made + batch_size) + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = (
                f"learner{number}@example.com"
                if number <= 10
                else f"{first}.{last}.{number}@{rng.choice(DOMAINS)}".lower()
            )
            joined = now - timezone.timedelta(days=rng.randint(0, 900))
            batch.append(
                User(
                    email=email,
                    first_name=first,
                    last_name=last,
                    password=password,
                    is_active=number <= 10 or rng.random() > 0.07,
                    date_joined=joined,
                    last_login=joined + timezone.timedelta(days=rng.randint(0, 30))
                    if rng.random() > 0.2
                    else None,
                    city=rng.choice(("Lisbon", "Oslo", "Osaka", "Austin", "Lagos", "Lyon")),
                )
            )
        User.objects.bulk_create(batch, batch_size=batch_size)
        made += len(batch)
        log(f"  learners: {start + made:,} / {start + count:,}")
