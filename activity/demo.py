"""Demo data for the activity app: assessments, certificates and awards for learner1."""

from access.models import Content
from access.services import access_grant
from users.models import User

from . import services
from .models import Assessment, AwardGrant, AwardType, CertificateTemplate

DEMO_LEARNER = "learner1@example.com"
OWN_CONTENT = [
    ("activity-demo-workplace-safety", "Workplace Safety Essentials"),
    ("activity-demo-customer-care", "Customer Care Fundamentals"),
    ("activity-demo-public-speaking", "Public Speaking Workshop"),
]
AWARD_TYPES = [("Star", "Stars", "⭐"), ("Badge", "Badges", "🏅")]


def _demo_contents():
    contents = list(Content.objects.filter(is_published=True).order_by("id")[:3])
    for slug, title in OWN_CONTENT[len(contents) :]:
        content, _ = Content.objects.get_or_create(slug=slug, defaults={"title": title})
        contents.append(content)
    return contents


def _catalog(contents, log):
    """Assessments on the first two items, a certificate on each, the third one's removed."""
    assessments = []
    for content, max_attempts in zip(contents[:2], (3, None), strict=True):
        assessment, _ = Assessment.objects.get_or_create(
            content=content,
            title=f"{content.title}: final assessment",
            defaults={"max_attempts": max_attempts, "passing_score": 70},
        )
        assessments.append(assessment)
    for index, content in enumerate(contents):
        if CertificateTemplate.objects.filter(content=content).exists():
            continue
        template = CertificateTemplate.objects.create(
            content=content,
            title="Certificate of Completion",
            wording="has successfully completed",
            validity_days=365 if index == 0 else None,
        )
        if index == 2:
            services.certificate_template_remove(template=template, actor=None)
    log(f"  activity: {len(assessments)} assessments, certificates on {len(contents)} items")
    return assessments


def _attempts(learner, assessment, scores):
    if learner.assessment_attempts.filter(assessment=assessment).exists():
        return
    for score in scores:
        attempt = services.attempt_start(user=learner, assessment=assessment)
        services.attempt_submit(attempt=attempt, score=score)


def seed(*, rng, log):
    """Assessments, certificate templates, award types; attempts, a certificate, awards."""
    contents = _demo_contents()
    assessments = _catalog(contents, log)
    award_types = [
        AwardType.objects.get_or_create(singular=s, defaults={"plural": p, "icon": i})[0]
        for s, p, i in AWARD_TYPES
    ]
    services.activity_settings_update(actor=None, gamification=True)

    learner = User.objects.filter(email=DEMO_LEARNER).first()
    if learner is None:
        log(f"  activity: no {DEMO_LEARNER}; seed users first for learner activity")
        return
    for content in contents:
        access_grant(user=learner, item=content, actor=None)
    _attempts(learner, assessments[0], [45, 58, 64])
    _attempts(learner, assessments[1], [88])
    services.certificate_issue(
        user=learner, content=contents[1], actor=None, reason="Demo: completed the course."
    )
    if not AwardGrant.objects.filter(learner=learner).exists():
        for award_type in award_types:
            services.award_grant(
                user=learner,
                award_type=award_type,
                quantity=rng.randint(1, 5),
                content=contents[1],
                actor=None,
                note="Demo award",
            )
    others = User.objects.filter(groups__isnull=True, is_superuser=False).exclude(pk=learner.pk)
    for other in others.order_by("id")[:5]:
        access_grant(user=other, item=contents[0], actor=None)  # nobody sits a test unopened
        _attempts(other, assessments[0], [rng.randint(30, 100)])
    log(f"  activity: attempts, a certificate and awards for {DEMO_LEARNER}")
