"""A learner with a history in every tab, written in bulk: the one builder the tests (query
budgets, factories), the benches and the demo school share.

    history = build(Sizes.each(3), learner=learner, admin=admin)
    history["content_grants"][0], history["export"], ...

`Sizes` says how much of each thing; each part (access, learning, payments, records) writes
its tab's rows and leaves what it made in the returned dict for the parts after it. The
story holds together as a real one would: nothing happens in the future, content with an
assessment is completed exactly when the learner passed it, the log's submissions are the
attempts, and the learner has signed in since their last action.
"""

import random

from django.db import transaction
from django.utils import timezone

from . import access, learning, payments, records
from .story import Sizes, Story

__all__ = ["Sizes", "build"]

PARTS = (*access.PARTS, *learning.PARTS, *payments.PARTS, *records.PARTS)


def build(sizes, *, learner, admin=None, peers=(), rng=None, now=None):
    """Write `learner`'s history; `peers` (user ids) are the other learners it mentions."""
    story = Story(
        learner=learner,
        admin=admin,
        sizes=sizes,
        now=now or timezone.now(),
        rng=rng or random.Random(2026),
        peers=list(peers),
        tag=str(learner.pk),
    )
    with transaction.atomic():
        for part in PARTS:
            part(story)
        joined = min(learner.date_joined, story.start)
        type(learner).objects.filter(pk=learner.pk).update(date_joined=joined, last_login=story.now)
    learner.date_joined, learner.last_login = joined, story.now
    return story.made
