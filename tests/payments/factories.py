import factory

from access.models import LearningPath, SubscriptionPlan
from payments import services
from tests.access.factories import ContentFactory
from tests.factories import LearnerFactory

VISA = "4242424242424242"
MASTERCARD = "5555555555554444"
DECLINED = "4000000000000002"
EXPIRED = "4000000000000069"
CHARGE_FAILS = "4000000000000341"


class LearningPathFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningPath

    title = factory.Sequence(lambda n: f"Path {n}")
    slug = factory.Sequence(lambda n: f"path-{n}")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubscriptionPlan
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Plan {n}")
    slug = factory.Sequence(lambda n: f"plan-{n}")

    @factory.post_generation
    def contents(obj, create, extracted, **kwargs):
        if extracted:
            obj.contents.set(extracted)


def add_card(user, number=VISA, *, actor=None, exp_year=2031, **kwargs):
    return services.card_add(
        user=user,
        number=number,
        exp_month=kwargs.pop("exp_month", 12),
        exp_year=exp_year,
        cvc=kwargs.pop("cvc", "123"),
        name=kwargs.pop("name", "Card Holder"),
        actor=actor,
        **kwargs,
    )


def paid_learner(*, amount_minor=4900, currency="USD", charges=1, **fields):
    """A learner with a Visa on file and `charges` purchases of a course each."""
    learner = LearnerFactory(**fields)
    add_card(learner)
    purchases = [
        services.purchase_create(
            user=learner,
            item=ContentFactory(),
            amount_minor=amount_minor,
            currency=currency,
            actor=None,
        )
        for _ in range(charges)
    ]
    return learner, purchases
