"""What the learner paid: cards, a subscription per plan, charges (some failed, some
refunded) and the purchases they paid for. Tokens and references are in the sandbox
gateway's form (payments/gateways/sandbox.py), so a refund or a charge on them goes through
as it would on cards added by hand."""

from datetime import timedelta

from payments.models import Card, Purchase, Subscription, Transaction

from .story import cycle

BRANDS = (Card.Brand.VISA, Card.Brand.MASTERCARD)


def payments(story):
    sizes, learner, admin, now, tag = story.sizes, story.learner, story.admin, story.now, story.tag
    cards = Card.objects.bulk_create(
        Card(
            learner=learner,
            token=f"tok_sandbox_ok_{cycle(BRANDS, i)}_history{tag}x{i}",
            brand=cycle(BRANDS, i),
            last4=f"{4242 + i:04d}"[-4:],
            exp_month=1 + i % 12,
            exp_year=now.year - 1 if i % 3 == 2 else now.year + 1 + i % 4,  # every third expired
            is_default=i == 0,
            added_by=admin,
        )
        for i in range(sizes.cards)
    )
    subscriptions = Subscription.objects.bulk_create(
        Subscription(
            learner=learner,
            plan=grant.plan,
            status=Subscription.Status.ACTIVE if i % 2 == 0 else Subscription.Status.CANCELLED,
            started_at=grant.granted_at,
            current_period_end=now + timedelta(days=20),
            cancelled_at=None if i % 2 == 0 else now,
            access_grant=grant,
            started_by=admin,
        )
        for i, grant in enumerate(story.made["plan_grants"])
    )
    charges = Transaction.objects.bulk_create(
        (
            Transaction(
                learner=learner,
                kind=Transaction.Kind.CHARGE,
                amount_minor=story.rng.randint(500, 50_000),
                currency=cycle(["USD", "EUR", "JPY"], i),
                status=Transaction.Status.FAILED if i % 17 == 16 else Transaction.Status.SUCCEEDED,
                gateway_reference=f"ch_sandbox_history{tag}x{i}",
                idempotency_key=f"history-{tag}-charge-{i}",
                refunded_minor=0,
                description=f"Order {tag}-{i:05d}",
                card_label=f"Visa •••• {cards[0].last4}" if cards else "",
                subscription=cycle(subscriptions, i) if i % 2 else None,
                created_at=story.ago(sizes.days - 2, 2),
                initiated_by=admin if i % 2 else None,
            )
            for i in range(sizes.charges)
        ),
        batch_size=1000,
    )
    succeeded = [c for c in charges if c.status == Transaction.Status.SUCCEEDED]
    refunded = succeeded[1::3]
    for n, charge in enumerate(refunded):
        charge.refunded_minor = charge.amount_minor if n % 2 else charge.amount_minor // 2
    Transaction.objects.bulk_update(refunded, ["refunded_minor"])
    Transaction.objects.bulk_create(
        Transaction(
            learner=learner,
            kind=Transaction.Kind.REFUND,
            amount_minor=charge.refunded_minor,
            currency=charge.currency,
            gateway_reference=f"re_sandbox_history{tag}x{n}",
            idempotency_key=f"history-{tag}-refund-{n}",
            parent=charge,
            reason="Bought the wrong course",
            created_at=charge.created_at + timedelta(days=1),
            initiated_by=admin,
        )
        for n, charge in enumerate(refunded)
    )
    paid_for = [(g.content, None, None, g) for g in story.made["content_grants"]]
    paid_for += [(None, g.learning_path, None, g) for g in story.made["path_grants"]]
    paid_for += [(None, None, bulk, None) for bulk in story.made["bulk"]]
    Purchase.objects.bulk_create(
        Purchase(
            learner=learner,
            content=content,
            learning_path=path,
            bulk_purchase=bulk,
            amount_minor=charge.amount_minor,
            currency=charge.currency,
            charge=charge,
            access_grant=grant,
            purchased_at=charge.created_at,
            purchased_by=admin,
        )
        for charge, (content, path, bulk, grant) in zip(succeeded, paid_for, strict=False)
    )
    story.made.update(cards=cards, subscriptions=subscriptions, charges=charges)


PARTS = (payments,)
