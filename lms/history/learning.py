"""What the learner did: assessments taken (Activity), progress and the content log
(Engagement), certificates and awards. One story: content with an assessment is completed
exactly when the learner passed it, and the log's submissions are the real attempts."""

from datetime import timedelta

from activity.models import (
    Assessment,
    Attempt,
    AwardGrant,
    AwardType,
    Certificate,
    CertificateTemplate,
)
from engagement.models import ContentAction, Progress
from users.bulk_writes import insert

from .story import cycle

Action = ContentAction.Action
OWN_ACTIONS = (Action.VIEWED, Action.STARTED, Action.PROGRESSED, Action.DOWNLOADED)
PASS_MARK = 70


def completes(index):
    """Whether the learner finished the index-th item (when no assessment decides it)."""
    return index % 2 == 0


def attempts(story):
    """`attempts` attempts over the first `assessments` items, in time order per assessment:
    on an item the learner completes, all but the last fail and the last passes."""
    sizes, learner, admin = story.sizes, story.learner, story.admin
    contents = story.made["contents"][: sizes.assessments]
    assessments = Assessment.objects.bulk_create(
        Assessment(
            content=content,
            title=f"{content.title}: final assessment",
            max_attempts=3 if i % 2 == 0 else None,
            passing_score=PASS_MARK,
        )
        for i, content in enumerate(contents)
    )
    rows, passed = [], {}
    for k, assessment in enumerate(assessments):
        count = len(range(k, sizes.attempts, len(assessments)))
        times = sorted(story.ago(sizes.days - 5, 1) for _ in range(count))
        passes = completes(k)
        for j, started in enumerate(times):
            last = j == count - 1
            score = (
                story.rng.randint(PASS_MARK, 100)
                if passes and last
                else story.rng.randint(20, PASS_MARK - 1)
            )
            forgiven = not last and j % 3 == 0
            rows.append(
                Attempt(
                    learner=learner,
                    assessment=assessment,
                    started_at=started,
                    submitted_at=started + timedelta(minutes=20),
                    score=score,
                    passed=score >= PASS_MARK,
                    forgiven_at=started + timedelta(hours=2) if forgiven else None,
                    forgiven_by=admin if forgiven else None,
                    forgive_reason="Technical problem during the test" if forgiven else "",
                )
            )
        passed[assessment.content_id] = passes and count > 0
    made = Attempt.objects.bulk_create(rows, batch_size=1000)
    story.made.update(assessments=assessments, attempts=made, passed=passed)


def certificates_and_awards(story):
    """A certificate template on every item (some removed), `certificates` issued, awards."""
    sizes, learner, admin, now, tag = story.sizes, story.learner, story.admin, story.now, story.tag
    contents = story.made["contents"]
    templates = CertificateTemplate.objects.bulk_create(
        CertificateTemplate(
            content=content,
            title=f"Certificate of {content.title}",
            validity_days=365 if i % 2 else None,
            removed_at=now if i % 7 == 6 else None,
        )
        for i, content in enumerate(contents)
    )
    certificates = Certificate.objects.bulk_create(
        (
            Certificate(
                learner=learner,
                content=template.content,
                template=template,
                title=template.title,
                verification_code=f"H{tag}-{i:05d}",
                issued_by=admin if i % 2 else None,
                issued_at=(issued := story.ago(sizes.days - 5)),
                expires_at=issued + timedelta(days=365) if template.validity_days else None,
                revoked_at=now if i % 4 == 3 else None,
                revoked_by=admin if i % 4 == 3 else None,
                revoke_reason="Issued by mistake" if i % 4 == 3 else "",
            )
            for i, template in enumerate(templates[: sizes.certificates])
        ),
        batch_size=1000,
    )
    kinds = [
        AwardType.objects.get_or_create(singular=s, defaults={"plural": p, "icon": icon})[0]
        for s, p, icon in (("Star", "Stars", "⭐"), ("Badge", "Badges", "🏅"))
    ]
    AwardGrant.objects.bulk_create(
        AwardGrant(
            learner=learner,
            award_type=cycle(kinds, i + 1),
            quantity=1 + i % 4,
            content=cycle(contents, i),
            granted_by=admin if i % 2 else None,
            granted_at=story.ago(sizes.days - 5),
            note="Helped a colleague" if i % 3 == 0 else "",
        )
        for i in range(sizes.awards if contents else 0)
    )
    story.made.update(certificates=certificates)


def progress(story):
    """A progress row per item: completed or in progress, as `completes` and the results say."""
    passed = story.made["passed"]
    rows = []
    for i, content in enumerate(story.made["contents"]):
        done = passed.get(content.pk, completes(i))
        last = story.ago(30, 1)
        rows.append(
            Progress(
                learner=story.learner,
                content=content,
                status=Progress.Status.COMPLETED if done else Progress.Status.IN_PROGRESS,
                percent=100 if done else 10 + (i * 7) % 85,
                time_spent=600 + 60 * i,
                score=story.rng.randint(PASS_MARK, 100) if done else None,
                first_activity_at=last - timedelta(days=3),
                last_activity_at=last,
                completed_at=last if done else None,
                completion_source=(
                    Progress.Source.MANUAL if done and i % 25 == 24 else Progress.Source.AUTO
                )
                if done
                else "",
            )
        )
    Progress.objects.bulk_create(rows, batch_size=1000)


def content_log(story):
    """The learner's `actions` (every fifth while impersonated), one submission per attempt,
    and `peer_actions` of other learners, all written in time order as a log is."""
    sizes, contents, admin = story.sizes, story.made["contents"], story.admin
    if not contents:
        return
    rows = [
        {
            "learner_id": story.learner.pk,
            "content_id": cycle(contents, i).pk,
            "action": cycle(OWN_ACTIONS, i),
            "occurred_at": story.ago(sizes.days - 1),
            "details": {"percent": i % 100} if i % 5 == 2 else {},
            "real_actor_id": admin.pk if admin and i % 5 == 0 else None,
        }
        for i in range(sizes.actions)
    ]
    by_assessment = {a.pk: a.content_id for a in story.made["assessments"]}
    rows += [
        {
            "learner_id": story.learner.pk,
            "content_id": by_assessment[attempt.assessment_id],
            "action": Action.ASSESSMENT_SUBMITTED,
            "occurred_at": attempt.submitted_at,
            "details": {"score": attempt.score},
            "real_actor_id": None,
        }
        for attempt in story.made["attempts"]
    ]
    rows += [
        {
            "learner_id": cycle(story.peers, i),
            "content_id": cycle(contents, i * 7).pk,
            "action": cycle(OWN_ACTIONS, i),
            "occurred_at": story.ago(sizes.days - 1),
            "details": {},
            "real_actor_id": None,
        }
        for i in range(sizes.peer_actions if story.peers else 0)
    ]
    rows.sort(key=lambda row: row["occurred_at"])
    insert(ContentAction, rows)


PARTS = (attempts, certificates_and_awards, progress, content_log)
