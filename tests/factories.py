import factory
from django.contrib.auth.models import Group

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
