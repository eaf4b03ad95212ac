"""Demo engagement: a believable history for demo learners who have access to content.

Written in bulk (no audit events, no certificates): it is made-up history, not changes
someone made. learner1@example.com gets a rich history to show on the Engagement tab.
Learners who already have progress are left alone, so running it twice adds nothing.

The story agrees with the rest of the demo school: it starts after the learner joined and
never in the future; content with an assessment is completed only by a learner who passed it
(their real attempts are what the log shows as submitted); and a learner with history has
signed in since their last action.
"""

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from access.models import AccessGrant
from access.selectors import open_grants
from activity.models import Assessment, Attempt
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
    joined = dict(User.objects.filter(pk__in=learner_ids).values_list("pk", "date_joined"))
    assessed = set(Assessment.objects.values_list("content_id", flat=True))
    attempts = {}
    for attempt in Attempt.objects.filter(
        learner_id__in=learner_ids, submitted_at__isnull=False
    ).values(
        "learner_id", "assessment__content_id", "submitted_at", "score", "passed", "forgiven_at"
    ):
        key = (attempt["learner_id"], attempt["assessment__content_id"])
        attempts.setdefault(key, []).append(attempt)
    actions, progress, last_seen = [], [], {}
    for user_id in learner_ids:
        richness = 3 if user_id == rich else 1
        grants = open_grants(user_id).filter(content__isnull=False).order_by("content_id")
        for index, (content_id, granted_at) in enumerate(
            grants.values_list("content_id", "granted_at")
        ):
            since = min(granted_at, now - timedelta(days=rng.randint(30, 120)))
            tries = sorted(attempts.get((user_id, content_id), []), key=_submitted)
            _history(
                rng,
                user_id=user_id,
                content_id=content_id,
                since=min(max(since, joined[user_id]), now),
                now=now,
                richness=richness,
                skippable=index > 0 and not tries,
                support_id=support if user_id == rich else None,
                assessed=content_id in assessed,
                attempts=tries,
                actions=actions,
                progress=progress,
            )
        if len(actions) >= BATCH:
            _flush(actions, progress, last_seen)
    _flush(actions, progress, last_seen)
    _signed_in_since(last_seen)
    log(f"  engagement: history for {len(learner_ids):,} learners")


def _submitted(attempt):
    return attempt["submitted_at"]


def _signed_in_since(last_seen):
    """Learners with history signed in at or after their last own action or attempt."""
    for user_id, started in Attempt.objects.values_list("learner_id").annotate(Max("started_at")):
        last_seen[user_id] = max(last_seen.get(user_id, started), started)
    users = list(User.objects.filter(pk__in=last_seen).only("pk", "last_login"))
    stale = [u for u in users if u.last_login is None or u.last_login < last_seen[u.pk]]
    for user in stale:
        user.last_login = last_seen[user.pk]
    User.objects.bulk_update(stale, ["last_login"], batch_size=BATCH)


def _flush(actions, progress, last_seen):
    for action in actions:
        if action.real_actor_id is None:
            seen = last_seen.get(action.learner_id)
            if seen is None or action.occurred_at > seen:
                last_seen[action.learner_id] = action.occurred_at
    Progress.objects.bulk_create(progress, batch_size=BATCH, ignore_conflicts=True)
    ContentAction.objects.bulk_create(actions, batch_size=BATCH)
    actions.clear()
    progress.clear()


def _history(
    rng,
    *,
    user_id,
    content_id,
    since,
    now,
    richness,
    skippable,
    support_id,
    assessed,
    attempts,
    actions,
    progress,
):
    """One learner's made-up story with one content item (some items are left untouched).

    With an assessment, the item is completed only when the learner passed it (at the passing
    attempt); their real attempts are logged as submitted, and no made-up ones.
    """
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
    passed = next((a for a in attempts if a["passed"] and a["forgiven_at"] is None), None)
    if assessed:
        target = 100 if passed is not None else min(target, rng.randint(60, 95))
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
    for attempt in attempts:
        moment = max(moment, attempt["submitted_at"])
        add(Action.ASSESSMENT_SUBMITTED, score=attempt["score"])
    completed_at = None
    if passed is not None and percent < 100:
        percent = 100  # passing the final assessment finishes the course
    if percent >= 100:
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
