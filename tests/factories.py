import factory
from django.contrib.auth.models import Group

from lms import history as histories
from users.models import User
from users.roles import GROUP_NAMES, Role

PASSWORD = "correct-horse-battery-9"


class LearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"learner{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        """`LearnerFactory(history=Sizes.each(2), history__admin=admin)`: a learner with a
        history in every tab (lms/history, shared with the benches and the demo); what it
        made is on `learner.history` (grants, attempts, charges...)."""
        if extracted:
            obj.history = histories.build(extracted, learner=obj, **kwargs)


class SupportFactory(LearnerFactory):
    email = factory.Sequence(lambda n: f"support{n}@school.example")

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        obj.groups.add(Group.objects.get(name=GROUP_NAMES[Role.CUSTOMER_SERVICE]))


class AdminFactory(LearnerFactory):
    email = factory.Sequence(lambda n: f"admin{n}@school.example")

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        obj.groups.add(Group.objects.get(name=GROUP_NAMES[Role.ADMIN]))


class SuperuserFactory(LearnerFactory):
    email = factory.Sequence(lambda n: f"root{n}@school.example")
    is_superuser = True
    is_staff = True
