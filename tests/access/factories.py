import factory
from django.utils import timezone

from access.models import (
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
from tests.factories import LearnerFactory


class ContentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Content

    title = factory.Sequence(lambda n: f"Course {n:03d}")
    slug = factory.Sequence(lambda n: f"course-{n:03d}")


class LearningPathFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningPath
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Path {n:03d}")
    slug = factory.Sequence(lambda n: f"path-{n:03d}")

    @factory.post_generation
    def contents(obj, create, extracted, **kwargs):
        for position, content in enumerate(extracted or ()):
            LearningPathItem.objects.create(path=obj, content=content, position=position)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubscriptionPlan
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Plan {n:03d}")
    slug = factory.Sequence(lambda n: f"plan-{n:03d}")

    @factory.post_generation
    def contents(obj, create, extracted, **kwargs):
        if extracted:
            obj.contents.set(extracted)


class PanoramaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Panorama

    name = factory.Sequence(lambda n: f"Panorama {n:03d}")
    slug = factory.Sequence(lambda n: f"panorama-{n:03d}")


class SublicenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sublicense

    panorama = factory.SubFactory(PanoramaFactory)
    name = factory.Sequence(lambda n: f"Team {n:03d}")


class GrantFactory(factory.django.DjangoModelFactory):
    """A grant written directly (for lists and history); services are tested on their own."""

    class Meta:
        model = AccessGrant

    user = factory.SubFactory(LearnerFactory)
    content = factory.SubFactory(ContentFactory)
    granted_at = factory.LazyFunction(timezone.now)


class BulkPurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BulkPurchase

    buyer = factory.SubFactory(LearnerFactory)
    content = factory.SubFactory(ContentFactory)
    seats = 3
    order_reference = factory.Sequence(lambda n: f"ORDER-{n:05d}")


class RedemptionCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RedemptionCode

    bulk_purchase = factory.SubFactory(BulkPurchaseFactory)
    code = factory.Sequence(lambda n: f"CODE-{n:06d}")
