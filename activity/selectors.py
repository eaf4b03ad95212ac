"""Read queries for the Activity tab and the certificate pages, each a fixed number of queries."""

from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from access.models import Content
from access.selectors import accessible_contents
from users.models import User
from users.paging import keyset_page

from .models import (
    ActivitySettings,
    Assessment,
    Attempt,
    AwardGrant,
    Certificate,
    CertificateTemplate,
)

ATTEMPTS_PAGE_SIZE = 50
AWARDS_PAGE_SIZE = 25
CERTIFICATES_PAGE_SIZE = 50
ATTEMPT_ORDER = [
    ("assessment_title", False),
    ("assessment_id", False),
    ("started_at", True),
    ("id", True),
]
ATTEMPT_KINDS = ["str", "int", "datetime", "int"]
AWARD_ORDER = [("granted_at", True), ("id", True)]
AWARD_KINDS = ["datetime", "int"]


def attempts_used(*, user, assessment):
    """Attempts that count toward the limit: every attempt not forgiven."""
    return Attempt.objects.filter(
        learner=user, assessment=assessment, forgiven_at__isnull=True
    ).count()


def best_passed_score(*, learner, content):
    """The learner's best passed attempt (not forgiven) at the content's assessments, in %.

    A subquery for annotations: `learner` and `content` may be OuterRef()s.
    """
    attempts = Attempt.objects.filter(
        learner=learner,
        assessment__content=content,
        passed=True,
        submitted_at__isnull=False,
        forgiven_at__isnull=True,
    )
    return Subquery(attempts.order_by("-score").values("score")[:1], output_field=IntegerField())


@dataclass
class AssessmentAttempts:
    assessment: Assessment
    attempts: list
    used: int = 0
    total: int = 0

    @property
    def allowed(self):
        return self.assessment.max_attempts

    @property
    def limit_reached(self):
        return self.allowed is not None and self.used >= self.allowed


@dataclass
class ContentCertificateRow:
    content: Content
    template: CertificateTemplate | None
    holds_valid: bool
    template_removed: bool


@dataclass
class ActivityTab:
    attempt_groups: list
    attempts_page: object
    certificates_page: object
    content_rows: list
    content_page: object
    gamification: bool
    award_totals: list = field(default_factory=list)
    awards_page: object = None


def attempt_groups(*, user, cursor=None, size=ATTEMPTS_PAGE_SIZE):
    """(groups, page): one page of attempts, grouped per assessment, newest first in each."""
    same_assessment = Attempt.objects.filter(learner=user, assessment=OuterRef("assessment_id"))
    attempts = Attempt.objects.filter(learner=user).annotate(
        assessment_title=F("assessment__title"),
        # Each row carries its assessment's usage (a count on the learner's attempts index),
        # so the page is one query whether it is empty or full.
        assessment_total=_count(same_assessment),
        assessment_used=_count(same_assessment.filter(forgiven_at__isnull=True)),
    )
    page = keyset_page(
        attempts.select_related("assessment__content", "forgiven_by"),
        order=ATTEMPT_ORDER,
        kinds=ATTEMPT_KINDS,
        cursor=cursor,
        size=size,
    )
    groups = []
    for _, rows in groupby(page.rows, key=lambda attempt: attempt.assessment_id):
        rows = list(rows)
        groups.append(
            AssessmentAttempts(
                assessment=rows[0].assessment,
                attempts=rows,
                used=rows[0].assessment_used,
                total=rows[0].assessment_total,
            )
        )
    return groups, page


def _count(attempts):
    counted = attempts.order_by().values("assessment_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def held_certificates(*, user, cursor=None, size=CERTIFICATES_PAGE_SIZE):
    """One page of the certificates the learner was issued (revoked ones too), newest first."""
    return keyset_page(
        Certificate.objects.filter(learner=user).select_related(
            "content", "issued_by", "revoked_by"
        ),
        order=[("issued_at", True), ("id", True)],
        kinds=["datetime", "int"],
        cursor=cursor,
        size=size,
    )


def certificate_content_rows(*, user, cursor=None, size=CERTIFICATES_PAGE_SIZE):
    """(rows, page): content the learner can open that has, or had, a certificate.

    Each row says whether the certificate can be issued now.
    """
    active_templates = CertificateTemplate.objects.filter(
        content=OuterRef("pk"), removed_at__isnull=True
    )
    contents = (
        accessible_contents(user)
        .annotate(
            template_id=Subquery(active_templates.values("pk")[:1]),
            template_title=Subquery(active_templates.values("title")[:1]),
            template_removed=Exists(
                CertificateTemplate.objects.filter(content=OuterRef("pk"), removed_at__isnull=False)
            ),
            holds_valid=Exists(
                Certificate.objects.filter(
                    learner=user, content=OuterRef("pk"), revoked_at__isnull=True
                )
            ),
        )
        .filter(Q(template_id__isnull=False) | Q(template_removed=True))
    )
    page = keyset_page(
        contents,
        order=[("title", False), ("id", False)],
        kinds=["str", "int"],
        cursor=cursor,
        size=size,
    )
    rows = []
    for content in page.rows:
        template = None
        if content.template_id is not None:
            template = CertificateTemplate(
                pk=content.template_id, content=content, title=content.template_title
            )
        rows.append(
            ContentCertificateRow(
                content=content,
                template=template,
                holds_valid=content.holds_valid,
                template_removed=template is None,
            )
        )
    return rows, page


def award_totals(*, user):
    """[(award type, total quantity)] for the learner, by award type name."""
    rows = (
        AwardGrant.objects.filter(learner=user)
        .values("award_type_id", "award_type__singular", "award_type__plural", "award_type__icon")
        .annotate(total=Sum("quantity"))
        .order_by("award_type__singular", "award_type_id")
    )
    return [
        {
            "icon": row["award_type__icon"],
            "total": row["total"],
            "label": row["award_type__singular"]
            if row["total"] == 1
            else row["award_type__plural"],
        }
        for row in rows
    ]


def award_history(*, user, cursor=None, size=AWARDS_PAGE_SIZE):
    """One page of the learner's award grants, newest first."""
    return keyset_page(
        AwardGrant.objects.filter(learner=user).select_related(
            "award_type", "content", "granted_by"
        ),
        order=AWARD_ORDER,
        kinds=AWARD_KINDS,
        cursor=cursor,
        size=size,
    )


def gamification_on():
    return ActivitySettings.load().gamification


def activity_tab(*, user, cursors=None):
    """Everything the Activity tab draws, in a fixed number of queries; long lists page.

    `cursors`: {"attempts", "certificates", "content", "awards"} -> keyset cursor.
    """
    cursors = cursors or {}
    groups, attempts_page = attempt_groups(user=user, cursor=cursors.get("attempts"))
    content_rows, content_page = certificate_content_rows(user=user, cursor=cursors.get("content"))
    gamification = gamification_on()
    tab = ActivityTab(
        attempt_groups=groups,
        attempts_page=attempts_page,
        certificates_page=held_certificates(user=user, cursor=cursors.get("certificates")),
        content_rows=content_rows,
        content_page=content_page,
        gamification=gamification,
    )
    if gamification:
        tab.award_totals = award_totals(user=user)
        tab.awards_page = award_history(user=user, cursor=cursors.get("awards"))
    return tab


def my_certificates(*, user):
    """The certificates a learner sees as theirs: everything not revoked."""
    return list(
        Certificate.objects.filter(learner=user, revoked_at__isnull=True).select_related("content")
    )


def certificate_by_code(code):
    """The certificate with this verification code (any case, spaces ignored), or None."""
    code = "".join(code.split()).upper()[:20]
    return (
        Certificate.objects.filter(verification_code=code)
        .select_related("learner", "content")
        .first()
    )


def record_summary(user):
    """The record header's counts of valid certificates and awards: [(order, label, count)],
    in one query (two subqueries)."""
    certificates = (
        Certificate.objects.filter(learner=user, revoked_at__isnull=True)
        .order_by()
        .values("learner")
        .annotate(n=Count("pk"))
        .values("n")
    )
    awards = (
        AwardGrant.objects.filter(learner=user)
        .order_by()
        .values("learner")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    counts = (
        User.objects.filter(pk=user.pk)
        .annotate(
            summary_certificates=Coalesce(Subquery(certificates, output_field=IntegerField()), 0),
            summary_awards=Coalesce(Subquery(awards, output_field=IntegerField()), 0),
        )
        .values_list("summary_certificates", "summary_awards")
        .first()
    ) or (0, 0)
    return [
        (30, "certificate" if counts[0] == 1 else "certificates", counts[0]),
        (40, "award" if counts[1] == 1 else "awards", counts[1]),
    ]
