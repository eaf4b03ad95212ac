from payments import services
from tests.access.factories import ContentFactory, LearningPathFactory, PlanFactory  # noqa: F401
from tests.factories import LearnerFactory

VISA = "4242424242424242"
MASTERCARD = "5555555555554444"
DECLINED = "4000000000000002"
EXPIRED = "4000000000000069"
CHARGE_FAILS = "4000000000000341"


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
