import datetime

import factory
from django.utils import timezone

from activity.models import Certificate
from engagement.models import Progress
from tests.access.factories import ContentFactory
from transcripts.models import TranscriptField, TranscriptFieldValue


class CompletedFactory(factory.django.DjangoModelFactory):
    """A learner's finished content item."""

    class Meta:
        model = Progress

    learner = factory.SubFactory("tests.factories.LearnerFactory")
    content = factory.SubFactory(ContentFactory)
    status = Progress.Status.COMPLETED
    percent = 100
    time_spent = 5400
    score = 88
    first_activity_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=3))
    last_activity_at = factory.LazyFunction(timezone.now)
    completed_at = factory.LazyFunction(timezone.now)
    completion_source = Progress.Source.AUTO


class InProgressFactory(CompletedFactory):
    status = Progress.Status.IN_PROGRESS
    percent = 40
    time_spent = 600
    score = None
    completed_at = None


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    learner = factory.SubFactory("tests.factories.LearnerFactory")
    content = factory.SubFactory(ContentFactory)
    title = "Certificate of completion"


class TranscriptFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TranscriptField

    name = factory.Sequence(lambda n: f"Field {n}")
    kind = TranscriptField.Kind.NUMBER


def set_value(field, content, value):
    return TranscriptFieldValue.objects.create(field=field, content=content, value=value)
