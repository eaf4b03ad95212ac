import factory
from django.utils import timezone

from access.services import access_grant
from engagement.models import ContentAction, Progress
from tests.access.factories import ContentFactory, LearningPathFactory


def path_with(*contents, **fields):
    return LearningPathFactory(contents=contents, **fields)


def grant(learner, item):
    """Open an item to a learner the way the system does (no acting admin)."""
    return access_grant(user=learner, item=item, actor=None)


class ContentActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContentAction

    learner = factory.SubFactory("tests.factories.LearnerFactory")
    content = factory.SubFactory(ContentFactory)
    action = ContentAction.Action.VIEWED
    occurred_at = factory.LazyFunction(timezone.now)


class ProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Progress

    learner = factory.SubFactory("tests.factories.LearnerFactory")
    content = factory.SubFactory(ContentFactory)
    status = Progress.Status.IN_PROGRESS
    percent = 40
    time_spent = 600
    first_activity_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.LazyFunction(timezone.now)
