"""Demo data for payments: cards, subscriptions, purchases and refunds for a few learners."""

from django.utils import timezone

from access.models import Content, SubscriptionPlan
from users.models import User

from . import services
from .models import Card, Transaction

DEMO_EMAILS = [f"learner{n}@example.com" for n in range(1, 7)]
CARDS = ["4242424242424242", "5555555555554444"]
# The same slugs and titles as access.demo, so whichever runs first builds the same catalog.
PLAN = ("soft-skills-monthly", "Soft Skills (monthly)")
PLAN_CONTENT = [
    ("customer-service-excellence", "Customer Service Excellence"),
    ("negotiation-skills", "Negotiation Skills"),
    ("writing-clear-business-emails", "Writing Clear Business E-mails"),
]
COURSES = [
    ("introduction-to-accounting", "Introduction to Accounting", 4900),
    ("excel-formulas-in-practice", "Excel Formulas in Practice", 2900),
    ("python-for-data-analysis", "Python for Data Analysis", 7900),
]


def _catalog():
    plan, created = SubscriptionPlan.objects.get_or_create(slug=PLAN[0], defaults={"name": PLAN[1]})
    if created:
        plan.contents.set(
            [
                Content.objects.get_or_create(slug=slug, defaults={"title": title})[0]
                for slug, title in PLAN_CONTENT
            ]
        )
    courses = [
        (Content.objects.get_or_create(slug=slug, defaults={"title": title})[0], price)
        for slug, title, price in COURSES
    ]
    return plan, courses


def seed(*, rng, log):
    """Give learner1..6 a card; most a subscription and purchases; a few refunds. Idempotent."""
    plan, courses = _catalog()
    actor = User.objects.filter(email="admin@school.example").first()
    learners = list(User.objects.filter(email__in=DEMO_EMAILS).order_by("id"))
    if not learners:
        log("  payments: no demo learners yet, skipping")
        return
    made = 0
    for index, learner in enumerate(learners):
        if Card.objects.filter(learner=learner).exists():
            continue
        services.card_add(
            user=learner,
            number=CARDS[index % 2],
            exp_month=rng.randint(1, 12),
            exp_year=timezone.localdate().year + rng.randint(1, 4),
            cvc=f"{rng.randint(100, 999)}",
            name=learner.full_name or learner.email,
            actor=actor,
        )
        if index % 3 != 2:
            if index == 0:
                earlier = services.subscription_start(
                    user=learner, plan=plan, actor=actor, amount_minor=1900
                )
                services.subscription_cancel(
                    subscription=earlier, actor=actor, reason="Paused over the summer"
                )
            services.subscription_start(user=learner, plan=plan, actor=actor, amount_minor=1900)
        for course, price in rng.sample(courses, k=rng.randint(1, len(courses))):
            services.purchase_create(user=learner, item=course, amount_minor=price, actor=actor)
        if index in (0, 3):
            charge = Transaction.objects.filter(learner=learner, kind="charge").first()
            services.transaction_refund(
                transaction=charge,
                amount_minor=charge.amount_minor // 2 if index == 0 else charge.amount_minor,
                reason="Started late: half refunded" if index == 0 else "Bought by mistake",
                actor=actor,
            )
        made += 1
    log(f"  payments: cards and payments for {made} learners")
