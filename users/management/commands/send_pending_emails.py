from django.core.management.base import BaseCommand

from users import outbox


class Command(BaseCommand):
    help = "Re-enqueue outbox e-mails left pending by a broker outage or a killed worker."

    def handle(self, *args, **options):
        count = outbox.sweep()
        self.stdout.write(f"{count} e-mails handed to the worker.")
