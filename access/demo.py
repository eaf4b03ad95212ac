"""Demo data for access: a believable catalog and some learners with access to it."""

import contextlib
import random

from django.core.exceptions import ValidationError
from django.utils import timezone

from users.models import User

from . import panoramas, services
from .models import (
    AccessGrant,
    BulkPurchase,
    Content,
    LearningPath,
    LearningPathItem,
    Panorama,
    RedemptionCode,
    Sublicense,
    SubscriptionPlan,
)

CONTENT = [
    ("course", "Python for Data Analysis", "python-for-data-analysis"),
    ("course", "Project Management Fundamentals", "project-management-fundamentals"),
    ("course", "Workplace Safety Essentials", "workplace-safety-essentials"),
    ("course", "Customer Service Excellence", "customer-service-excellence"),
    ("course", "Leading Remote Teams", "leading-remote-teams"),
    ("course", "Introduction to Accounting", "introduction-to-accounting"),
    ("course", "Data Privacy and GDPR", "data-privacy-and-gdpr"),
    ("course", "Negotiation Skills", "negotiation-skills"),
    ("course", "Excel Formulas in Practice", "excel-formulas-in-practice"),
    ("course", "Writing Clear Business E-mails", "writing-clear-business-emails"),
    ("video", "Giving Feedback That Lands", "giving-feedback-that-lands"),
    ("ebook", "The Onboarding Handbook", "the-onboarding-handbook"),
    ("webinar", "Quarterly Compliance Update", "quarterly-compliance-update"),
    ("document", "Code of Conduct", "code-of-conduct"),
]
PATHS = {
    "data-analyst-track": (
        "Data Analyst Track",
        ["excel-formulas-in-practice", "python-for-data-analysis", "data-privacy-and-gdpr"],
    ),
    "new-manager-path": (
        "New Manager Path",
        ["project-management-fundamentals", "leading-remote-teams", "giving-feedback-that-lands"],
    ),
    "compliance-basics": (
        "Compliance Basics",
        ["code-of-conduct", "workplace-safety-essentials", "data-privacy-and-gdpr"],
    ),
}
PLANS = {
    "all-access-annual": ("All Access (annual)", None, ["data-analyst-track", "new-manager-path"]),
    "soft-skills-monthly": (
        "Soft Skills (monthly)",
        ["customer-service-excellence", "negotiation-skills", "writing-clear-business-emails"],
        [],
    ),
}
PANORAMA_SLUG = "northwind-academy"
SAMPLE_LEARNERS = 60
TRIAL_NOTE = "Trial access"


def seed(*, rng, log):
    """Create the catalog and grants; running it again changes nothing."""
    contents = _catalog(log)
    actor = User.objects.filter(email="admin@school.example").first()
    _panorama(contents, actor, log)
    learners = list(
        User.objects.filter(groups__isnull=True, is_superuser=False, is_active=True).order_by("id")[
            :SAMPLE_LEARNERS
        ]
    )
    if not learners:
        log("  access: no demo learners yet, skipping grants")
        return
    _grants(learners, contents, actor, rng, log)
    _bulk_purchase(learners[0], contents, rng, log)


def _catalog(log):
    contents = {}
    for kind, title, slug in CONTENT:
        contents[slug], _ = Content.objects.get_or_create(
            slug=slug, defaults={"kind": kind, "title": title}
        )
    for slug, (title, items) in PATHS.items():
        path, _ = LearningPath.objects.get_or_create(slug=slug, defaults={"title": title})
        for position, content_slug in enumerate(items):
            LearningPathItem.objects.get_or_create(
                path=path, content=contents[content_slug], defaults={"position": position}
            )
    for slug, (name, content_slugs, path_slugs) in PLANS.items():
        plan, created = SubscriptionPlan.objects.get_or_create(slug=slug, defaults={"name": name})
        if created:
            plan.contents.set(
                [contents[s] for s in content_slugs] if content_slugs else contents.values()
            )
            plan.learning_paths.set(LearningPath.objects.filter(slug__in=path_slugs))
    log(f"  access: catalog of {len(contents)} items, {len(PATHS)} paths, {len(PLANS)} plans")
    return contents


def _panorama(contents, actor, log):
    if Panorama.objects.filter(slug=PANORAMA_SLUG).exists():
        return
    items = [contents[slug] for slug, _ in zip(contents, range(8), strict=False)]
    panorama = panoramas.panorama_create(
        name="Northwind Academy", slug=PANORAMA_SLUG, contents=items, actor=None
    )
    sales = Sublicense.objects.create(panorama=panorama, name="Sales team", seat_limit=25)
    sales.contents.set(items[:4])
    ops = Sublicense.objects.create(
        panorama=panorama,
        name="Operations",
        seat_limit=10,
        expires_on=timezone.localdate() + timezone.timedelta(days=180),
    )
    ops.contents.set(items[2:6])
    log("  access: Panorama Northwind Academy with Main, Sales team, Operations")


def _grants(learners, contents, actor, rng, log):
    now = timezone.now()
    slugs = list(contents)
    paths = list(LearningPath.objects.order_by("slug"))
    plans = list(SubscriptionPlan.objects.order_by("slug"))
    made = 0
    for index, learner in enumerate(learners):
        if AccessGrant.objects.filter(user=learner, note=TRIAL_NOTE).exists():
            continue
        pick = random.Random(learner.pk)
        *chosen, trial = pick.sample(slugs, 4)
        for slug in chosen:
            services.access_grant(user=learner, item=contents[slug], actor=actor)
        services.access_grant(
            user=learner,
            item=contents[trial],
            actor=actor,
            expires_at=now + timezone.timedelta(days=pick.randint(3, 10)),
            note=TRIAL_NOTE,
        )
        if index % 3 == 0:
            services.access_grant(user=learner, item=pick.choice(paths), actor=actor)
        if index % 5 == 0:
            services.access_grant(
                user=learner,
                item=pick.choice(plans),
                actor=actor,
                source=AccessGrant.Source.SUBSCRIPTION,
                expires_at=now + timezone.timedelta(days=365),
            )
        made += 1
    sublicenses = list(Sublicense.objects.filter(panorama__slug=PANORAMA_SLUG))
    for learner in learners[1:12]:
        if not learner.sublicense_seats.exists():
            with contextlib.suppress(ValidationError):
                panoramas.seat_assign(user=learner, sublicense=rng.choice(sublicenses), actor=actor)
    log(f"  access: grants for {made} learners")


def _bulk_purchase(buyer, contents, rng, log):
    reference = "BULK-2026-0001"
    if BulkPurchase.objects.filter(order_reference=reference).exists():
        return
    purchase = BulkPurchase.objects.create(
        buyer=buyer,
        content=contents["workplace-safety-essentials"],
        seats=5,
        order_reference=reference,
        purchased_at=timezone.now() - timezone.timedelta(days=20),
    )
    others = list(User.objects.filter(groups__isnull=True).exclude(pk=buyer.pk).order_by("id")[:2])
    for number in range(purchase.seats):
        redeemer = others[number] if number < len(others) else None
        RedemptionCode.objects.create(
            bulk_purchase=purchase,
            code=f"NW-{rng.randrange(16**8):08X}-{number}",
            redeemed_by=redeemer,
            redeemed_at=timezone.now() - timezone.timedelta(days=10 - number) if redeemer else None,
        )
    log(f"  access: bulk purchase {reference} by {buyer.email}")
