from django.core.management.base import BaseCommand

from payments import services


class Command(BaseCommand):
    help = "Mark subscriptions whose paid period has ended as expired (run it nightly)."

    def handle(self, *args, **options):
        expired = 0
        for subscription in services.subscriptions_due_to_expire().iterator(chunk_size=500):
            if services.subscription_expire(subscription=subscription).status == "expired":
                expired += 1
        self.stdout.write(f"{expired} subscriptions expired.")
