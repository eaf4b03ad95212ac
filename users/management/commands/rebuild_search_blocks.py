from django.core.management.base import BaseCommand

from users import searchblocks


class Command(BaseCommand):
    help = (
        "Rebuild the learner search blocks (PostgreSQL): which stretches of the name order "
        "hold which trigrams. Runs nightly and when many users changed; safe at any time."
    )

    def handle(self, *args, **options):
        before = searchblocks.dirty_count()
        blocks = searchblocks.rebuild()
        self.stdout.write(
            f"{blocks:,} blocks of up to {searchblocks.BLOCK_SIZE:,} users; "
            f"{before:,} changed users folded in."
        )
