from django.core.management.base import BaseCommand

from privacy.services import process_due_erasures


class Command(BaseCommand):
    help = "Erase the learners whose 7-day cancel window has passed (safe to run repeatedly)."

    def handle(self, *args, **options):
        done = process_due_erasures(log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"{done} learner(s) erased."))
