import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from access import demo as access_demo
from activity import demo as activity_demo
from engagement import demo as engagement_demo
from lms import history
from payments import demo as payments_demo
from transcripts import demo as transcripts_demo
from users import demo as users_demo
from users import demo_fields
from users.models import User

HISTORY_EMAIL = "long.history@example.com"
# Two years of it, on its own catalog items (no transcript columns or learner fields added:
# the learner answers the demo school's own, users/demo_fields.py).
HISTORY = history.Sizes(
    items=24,
    paths=2,
    plans=1,
    panoramas=1,
    assessments=4,
    attempts=10,
    certificates=8,
    awards=6,
    actions=400,
    peer_actions=0,
    cards=2,
    charges=12,
    fields=0,
    audit=30,
    records=2,
    days=730,
)


class Command(BaseCommand):
    help = "Build a believable demo school: staff to sign in with, learners (some disabled)."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=200)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, learners, seed, **options):
        if learners < 0:
            raise CommandError("--learners must be zero or more.")
        # The long-history learner is one of the `learners`, made last (learner1... first).
        fresh = learners > 0 and not User.objects.filter(email=HISTORY_EMAIL).exists()
        users_demo.seed(learners=learners - fresh, seed=seed, log=self.stdout.write)
        admin = User.objects.get(email=users_demo.ADMIN_EMAIL)
        demo_fields.define(actor=admin, log=self.stdout.write)
        demos = (access_demo, activity_demo, payments_demo, engagement_demo, transcripts_demo)
        for app_demo in demos:
            app_demo.seed(rng=random.Random(seed), log=self.stdout.write)
        if fresh:
            learner = self._long_history_learner()
            history.build(HISTORY, learner=learner, admin=admin, rng=random.Random(seed))
            # Answered the onboarding survey on the first day (its answers: demo_fields).
            User.objects.filter(pk=learner.pk).update(
                survey_done_at=learner.date_joined + timedelta(minutes=40)
            )
            self.stdout.write(f"  history: two years in every tab for {HISTORY_EMAIL}")
        demo_fields.answer(seed=seed, log=self.stdout.write)
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
        self.stdout.write(
            f"  Two years of history: {HISTORY_EMAIL} / {users_demo.LEARNER_PASSWORD}"
        )

    def _long_history_learner(self):
        """The learner with a long story in every tab (the builder the tests and benches use)."""
        return User.objects.create_user(
            HISTORY_EMAIL,
            password=users_demo.LEARNER_PASSWORD,
            first_name="Noor",
            last_name="Haddad",
            city="Porto",
        )
