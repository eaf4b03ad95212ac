"""The catalog a history uses and the learner's access: grants of every kind and state,
Panorama seats, bulk purchases with redemption codes."""

from datetime import timedelta

from access.models import (
    AccessGrant,
    BulkPurchase,
    Content,
    LearningPath,
    LearningPathItem,
    Panorama,
    RedemptionCode,
    Sublicense,
    SublicenseSeat,
    SubscriptionPlan,
)

from .story import cycle

# Not the demo catalog's subjects (access/demo.py), so the two never share a title.
TOPICS = (
    "First Aid",
    "Data Literacy",
    "Cyber Hygiene",
    "Inclusive Leadership",
    "Time Management",
    "Presentation Design",
    "Conflict Resolution",
    "Sales Conversations",
    "Budgeting for Teams",
    "Mentoring",
)
LEVELS = ("Basics", "Essentials", "in Practice", "Advanced", "Refresher")


def _title(index):
    """'First Aid Basics', ... each subject at each level, then numbered."""
    title = f"{cycle(TOPICS, index)} {cycle(LEVELS, index // len(TOPICS))}"
    kinds = len(TOPICS) * len(LEVELS)
    return title if index < kinds else f"{title} {index // kinds + 1}"


def catalog(story):
    """`items` content items, `paths` learning paths of two items, `plans` plans."""
    sizes, tag = story.sizes, story.tag
    contents = Content.objects.bulk_create(
        Content(
            title=_title(i),
            slug=f"history-{tag}-item-{i}",
            kind=cycle(Content.Kind.values, i),
            created_at=story.start - timedelta(days=30),
        )
        for i in range(sizes.items)
    )
    paths = LearningPath.objects.bulk_create(
        LearningPath(title=f"{cycle(TOPICS, i)} path {i + 1:03d}", slug=f"history-{tag}-path-{i}")
        for i in range(sizes.paths)
    )
    LearningPathItem.objects.bulk_create(
        LearningPathItem(path=path, content=content, position=position)
        for i, path in enumerate(paths)
        for position, content in enumerate(
            dict.fromkeys([cycle(contents, i), cycle(contents, i + 1)])
        )
        if content is not None
    )
    plans = SubscriptionPlan.objects.bulk_create(
        SubscriptionPlan(
            name=f"{cycle(TOPICS, i)} plan {i + 1:03d}", slug=f"history-{tag}-plan-{i}"
        )
        for i in range(sizes.plans)
    )
    SubscriptionPlan.contents.through.objects.bulk_create(
        SubscriptionPlan.contents.through(subscriptionplan_id=plan.pk, content_id=content.pk)
        for i, plan in enumerate(plans)
        for content in dict.fromkeys([cycle(contents, i), cycle(contents, i + 1)])
        if content is not None
    )
    SubscriptionPlan.learning_paths.through.objects.bulk_create(
        SubscriptionPlan.learning_paths.through(subscriptionplan_id=plan.pk, learningpath_id=p.pk)
        for plan, p in zip(plans, paths, strict=False)
    )
    story.made.update(contents=contents, paths=paths, plans=plans)


def grants(story):
    """Current, expiring, path-opened and subscription-opened grants; an archive of ended ones."""
    learner, admin, now, tag = story.learner, story.admin, story.now, story.tag
    contents, paths, plans = story.made["contents"], story.made["paths"], story.made["plans"]
    path_grants = AccessGrant.objects.bulk_create(
        AccessGrant(
            user=learner, learning_path=path, granted_by=admin, granted_at=story.ago(90, 60)
        )
        for path in paths
    )
    plan_grants = AccessGrant.objects.bulk_create(
        AccessGrant(
            user=learner,
            plan=plan,
            source=AccessGrant.Source.SUBSCRIPTION,
            granted_at=story.ago(60, 30),
            expires_at=now + timedelta(days=30),
        )
        for plan in plans
    )
    subscribed = None
    if plans:
        # Content a subscription opened (its grant's parent is the plan grant): its page names it.
        extra = Content.objects.create(
            title=f"{TOPICS[0]} video for subscribers",
            slug=f"history-{tag}-subscription-video",
            kind=Content.Kind.VIDEO,
        )
        plans[0].contents.add(extra)
        subscribed = AccessGrant.objects.create(
            user=learner,
            content=extra,
            source=AccessGrant.Source.SUBSCRIPTION,
            parent=plan_grants[0],
            granted_at=plan_grants[0].granted_at,
            expires_at=plan_grants[0].expires_at,
        )
    content_grants = AccessGrant.objects.bulk_create(
        AccessGrant(
            user=learner,
            content=content,
            source=cycle([AccessGrant.Source.MANUAL, AccessGrant.Source.PURCHASE], i),
            granted_by=admin if i % 2 else None,
            granted_at=story.ago(story.sizes.days, story.sizes.days - 10),
            parent=cycle(path_grants, i) if i % 3 == 1 else None,
            expires_at=now + timedelta(days=3 if i % 2 else 300),
            note=f"Enrolled for the {cycle(TOPICS, i)} programme" if i % 4 == 0 else "",
        )
        for i, content in enumerate(contents)
    )
    ended = AccessGrant.objects.bulk_create(
        AccessGrant(
            user=learner,
            content=content,
            granted_at=now - timedelta(days=40, minutes=i),
            expires_at=now - timedelta(days=1),
            ended_at=now - timedelta(days=1),
            end_reason=reason,
            ended_by=admin if reason == AccessGrant.EndReason.REVOKED else None,
        )
        for reason in AccessGrant.EndReason.values
        for i, content in enumerate(contents)
    )
    AccessGrant.objects.filter(pk__in=[grant.pk for grant in path_grants[::10]]).update(
        archived_at=now
    )
    story.made.update(
        content_grants=content_grants,
        path_grants=path_grants,
        plan_grants=plan_grants,
        subscribed=subscribed,
        ended=ended,
    )


def seats_and_bulk(story):
    """A seat in each of `panoramas` Panoramas; a bulk purchase of each item, codes redeemed."""
    learner, admin, tag = story.learner, story.admin, story.tag
    panoramas = Panorama.objects.bulk_create(
        Panorama(name=f"{cycle(TOPICS, i)} academy {i + 1:03d}", slug=f"history-{tag}-panorama-{i}")
        for i in range(story.sizes.panoramas)
    )
    sublicenses = Sublicense.objects.bulk_create(
        Sublicense(panorama=panorama, name="Main", is_main=True, seat_limit=10, seats_used=1)
        for panorama in panoramas
    )
    SublicenseSeat.objects.bulk_create(
        SublicenseSeat(user=learner, panorama=s.panorama, sublicense=s, assigned_by=admin)
        for s in sublicenses
    )
    bulk = BulkPurchase.objects.bulk_create(
        BulkPurchase(
            buyer=learner,
            content=content,
            seats=3,
            order_reference=f"ORDER-{tag}-{i:05d}",
            purchased_at=story.ago(story.sizes.days),
        )
        for i, content in enumerate(story.made["contents"])
    )
    RedemptionCode.objects.bulk_create(
        RedemptionCode(
            bulk_purchase=purchase,
            code=f"H{tag}-{i}-{k}",
            redeemed_by_id=cycle(story.peers, i) if k == 0 else None,
            redeemed_at=story.now if k == 0 and story.peers else None,
        )
        for i, purchase in enumerate(bulk)
        for k in range(2)
    )
    story.made.update(sublicenses=sublicenses, bulk=bulk)


PARTS = (catalog, grants, seats_and_bulk)
