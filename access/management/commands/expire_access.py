from django.core.management.base import BaseCommand

from access import services


class Command(BaseCommand):
    help = "End access that has passed its expiry date (idempotent: safe to run at any time)."

    def handle(self, *args, **options):
        ended = services.access_expire_due()
        self.stdout.write(f"Ended {ended} grant{'s' if ended != 1 else ''} past their date.")
