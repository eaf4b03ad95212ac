import factory
from django.utils import timezone

from access.models import LearningPath, LearningPathItem
from access.services import access_grant
from engagement.models import ContentAction, Progress
from tests.access.factories import ContentFactory


class LearningPathFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningPath

    title = factory.Sequence(lambda n: f"Path {n:03d}")
    slug = factory.Sequence(lambda n: f"eng-path-{n:03d}")


def path_with(*contents, **fields):
    path = LearningPathFactory(**fields)
    for position, content in enumerate(contents):
        LearningPathItem.objects.create(path=path, content=content, position=position)
    return path


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
