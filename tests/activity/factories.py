import factory
from django.utils import timezone

from activity.models import Assessment, Attempt, AwardType, CertificateTemplate
from tests.access.factories import ContentFactory
from tests.factories import LearnerFactory


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    content = factory.SubFactory(ContentFactory)
    title = factory.Sequence(lambda n: f"Final exam {n}")
    max_attempts = 3
    passing_score = 70


class AttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attempt

    learner = factory.SubFactory(LearnerFactory)
    assessment = factory.SubFactory(AssessmentFactory)
    started_at = factory.LazyFunction(timezone.now)
    score = 50
    passed = False
    submitted_at = factory.LazyAttribute(lambda attempt: attempt.started_at)


class CertificateTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateTemplate

    content = factory.SubFactory(ContentFactory)
    title = factory.Sequence(lambda n: f"Certificate of Completion {n}")
    wording = "has successfully completed"
    validity_days = None


class AwardTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AwardType
        django_get_or_create = ("singular",)

    singular = "Star"
    plural = "Stars"
    icon = "⭐"
