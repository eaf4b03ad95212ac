"""What a made-up history is made of: how much of each thing (Sizes) and the story the parts
write into one after another (Story: the learner, the school's admin, the clock, and what
the earlier parts made, for the later ones to refer to)."""

import random
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Sizes:
    """How many of each row the learner's history has (0 leaves a kind out)."""

    items: int = 3  # content items granted; each also has progress, a bulk purchase...
    paths: int = 3  # learning paths granted
    plans: int = 3  # subscription plans (each with a subscription)
    panoramas: int = 3  # Panorama seats
    assessments: int = 3  # on the first items, each taken several times
    attempts: int = 6
    certificates: int = 3  # certificate templates are on every item; this many issued
    awards: int = 3
    actions: int = 6  # the learner's own content actions (assessment submissions come extra)
    peer_actions: int = 2  # other learners' actions in the same log, in time order
    cards: int = 3
    charges: int = 6
    fields: int = 3  # transcript fields and, of each kind, learner fields
    audit: int = 3  # History events
    records: int = 3  # e-mails and invitations, impersonations, erasure requests, exports
    days: int = 120  # how far back the story starts

    @classmethod
    def each(cls, n):
        """`n` of everything, 2n of the logs (the query budgets: one of each, then a lot)."""
        plain = {f.name: n for f in fields(cls) if f.name != "days"}
        doubled = {"attempts": 2 * n, "actions": 2 * n, "charges": 2 * n}
        return cls(**plain | doubled | {"assessments": min(n, 5)})

    def but(self, **changes):
        return replace(self, **changes)


@dataclass
class Story:
    learner: object
    admin: object
    sizes: Sizes
    now: datetime
    rng: random.Random
    tag: str = ""  # in every unique key it writes: the learner's id (one history each)
    peers: list = field(default_factory=list)
    made: dict = field(default_factory=dict)

    def ago(self, days_max, days_min=0):
        """A moment between `days_min` and `days_max` days ago (never in the future)."""
        low, high = min(days_min, days_max), max(days_min, days_max)
        return self.now - timedelta(seconds=self.rng.uniform(low * 86400, high * 86400))

    @property
    def start(self):
        return self.now - timedelta(days=self.sizes.days)


def cycle(items, index):
    return items[index % len(items)] if items else None
