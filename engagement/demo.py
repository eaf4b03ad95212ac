"""Demo engagement: a believable history for demo learners who have access to content.

Written in bulk (no audit events, no certificates): it is made-up history, not changes
someone made. learner1@example.com gets a rich history to show on the Engagement tab.
Learners who already have progress are left alone, so running it twice adds nothing.
"""

from datetime import timedelta

from django.utils import timezone

from access.models import AccessGrant
from access.selectors import open_grants
from users.models import User

from .models import ContentAction, Progress

Action = ContentAction.Action
Status = Progress.Status
RICH_LEARNER = "learner1@example.com"
SUPPORT_EMAIL = "support@school.example"
BATCH = 5000
MAX_LEARNERS = 5000


def seed(*, rng, log):
    """Content actions and progress for demo learners with open content grants (idempotent)."""
    learner_ids = list(
        AccessGrant.objects.filter(
            content__isnull=False,
            ended_at__isnull=True,
            user__groups__isnull=True,
            user__is_superuser=False,
        )
        .exclude(user__progress_records__isnull=False)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()[:MAX_LEARNERS]
    )
    if not learner_ids:
        log("  engagement: no learner with open content grants and no history yet; nothing to do")
        return
    rich = User.objects.filter(email=RICH_LEARNER).values_list("pk", flat=True).first()
    support = User.objects.filter(email=SUPPORT_EMAIL).values_list("pk", flat=True).first()
    now = timezone.now()
    actions, progress = [], []
    for user_id in learner_ids:
        richness = 3 if user_id == rich else 1
        grants = open_grants(user_id).filter(content__isnull=False).order_by("content_id")
        for index, (content_id, granted_at) in enumerate(
            grants.values_list("content_id", "granted_at")
        ):
            _history(
                rng,
                user_id=user_id,
                content_id=content_id,
                since=min(granted_at, now - timedelta(days=rng.randint(30, 120))),
                now=now,
                richness=richness,
                skippable=index > 0,
                support_id=support if user_id == rich else None,
                actions=actions,
                progress=progress,
            )
        if len(actions) >= BATCH:
            _flush(actions, progress)
    _flush(actions, progress)
    log(f"  engagement: history for {len(learner_ids):,} learners")


def _flush(actions, progress):
    Progress.objects.bulk_create(progress, batch_size=BATCH, ignore_conflicts=True)
    ContentAction.objects.bulk_create(actions, batch_size=BATCH)
    actions.clear()
    progress.clear()


def _history(
    rng, *, user_id, content_id, since, now, richness, skippable, support_id, actions, progress
):
    """One learner's made-up story with one content item (some items are left untouched)."""
    outcome = rng.random()
    if skippable and richness == 1 and outcome < 0.3:
        return
    span = max((now - since).total_seconds(), 3600)
    moment = since + timedelta(seconds=rng.uniform(0, span * 0.5))

    def add(action, **details):
        actions.append(
            ContentAction(
                learner_id=user_id,
                content_id=content_id,
                action=action,
                occurred_at=min(moment, now),
                details=details,
                real_actor_id=details.pop("_by", None),
            )
        )

    first = moment
    add(Action.VIEWED)
    add(Action.STARTED)
    percent, spent = 0, 0
    target = 100 if outcome > 0.6 or richness > 1 and outcome > 0.3 else rng.randint(10, 90)
    steps = rng.randint(2, 6) * richness
    for step in range(steps):
        moment += timedelta(hours=rng.uniform(2, 24 * 5 / richness))
        if moment >= now:
            break
        percent = min(target, round(target * (step + 1) / steps))
        spent += rng.randint(120, 2400)
        add(Action.VIEWED)
        add(Action.PROGRESSED, percent=percent)
        if rng.random() < 0.2:
            add(Action.DOWNLOADED)
        if support_id and rng.random() < 0.05:
            add(Action.VIEWED, _by=support_id)
    completed_at = None
    if percent >= 100:
        if rng.random() < 0.5:
            add(Action.ASSESSMENT_SUBMITTED, score=rng.randint(70, 100))
        completed_at = min(moment, now)
        add(Action.COMPLETED)
    progress.append(
        Progress(
            learner_id=user_id,
            content_id=content_id,
            status=Status.COMPLETED if completed_at else Status.IN_PROGRESS,
            percent=100 if completed_at else percent,
            time_spent=spent,
            first_activity_at=first,
            last_activity_at=min(moment, now),
            completed_at=completed_at,
            completion_source=Progress.Source.AUTO if completed_at else "",
        )
    )
