import random

from django.core.management.base import BaseCommand, CommandError

from access import demo as access_demo
from activity import demo as activity_demo
from engagement import demo as engagement_demo
from payments import demo as payments_demo
from transcripts import demo as transcripts_demo
from users import demo as users_demo


class Command(BaseCommand):
    help = "Build a believable demo school: staff to sign in with, learners (some disabled)."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=200)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, learners, seed, **options):
        if learners < 0:
            raise CommandError("--learners must be zero or more.")
        users_demo.seed(learners=learners, seed=seed, log=self.stdout.write)
        demos = (access_demo, activity_demo, payments_demo, engagement_demo, transcripts_demo)
        for app_demo in demos:
            app_demo.seed(rng=random.Random(seed), log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo school ready."))
        self.stdout.write(
            f"  Admin:            {users_demo.ADMIN_EMAIL} / {users_demo.ADMIN_PASSWORD}"
        )
        self.stdout.write(
            f"  Customer service: {users_demo.SUPPORT_EMAIL} / {users_demo.SUPPORT_PASSWORD}"
        )
        self.stdout.write(
            f"  Any demo learner: learner1@example.com / {users_demo.LEARNER_PASSWORD}"
        )
