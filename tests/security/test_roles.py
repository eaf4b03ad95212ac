"""Who may see and export whose data: one rule pair (users/rules.py), and every page obeys it.

The matrix is actor role x target role x (view, export); the pages tested against it are
the Transcript tab, its CSV and PDF, and the privacy export. Then every link a manager is
shown, from /manage/ on, is followed: none answers 403.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.factories import AdminFactory, LearnerFactory, SuperuserFactory, SupportFactory
from transcripts.models import TranscriptExport
from users.models import AuditEvent, User
from users.rules import can_export, can_view_record, exportable_users

pytestmark = pytest.mark.django_db

MAKERS = {
    "learner": LearnerFactory,
    "support": SupportFactory,
    "admin": AdminFactory,
    "superuser": SuperuserFactory,
}
TARGETS = ["learner", "support", "admin", "superuser", "self"]

# (actor, target) -> (may view the record, may export a copy of its data)
MATRIX = {
    ("learner", "learner"): (False, False),
    ("learner", "support"): (False, False),
    ("learner", "admin"): (False, False),
    ("learner", "superuser"): (False, False),
    ("learner", "self"): (True, True),
    ("support", "learner"): (True, True),
    ("support", "support"): (True, False),
    ("support", "admin"): (True, False),
    ("support", "superuser"): (True, False),
    ("support", "self"): (True, True),
    ("admin", "learner"): (True, True),
    ("admin", "support"): (True, True),
    ("admin", "admin"): (True, True),
    ("admin", "superuser"): (True, False),
    ("admin", "self"): (True, True),
    ("superuser", "learner"): (True, True),
    ("superuser", "support"): (True, True),
    ("superuser", "admin"): (True, True),
    ("superuser", "superuser"): (True, True),
    ("superuser", "self"): (True, True),
}
MANAGERS = ["support", "admin", "superuser"]


def make_pair(actor_role, target_role):
    actor = MAKERS[actor_role]()
    target = actor if target_role == "self" else MAKERS[target_role]()
    return actor, target


def test_the_matrix_covers_every_pair():
    assert set(MATRIX) == {(actor, target) for actor in MAKERS for target in TARGETS}


def cases(pairs):
    return pytest.mark.parametrize(
        "pair,expected",
        sorted(pairs),
        ids=[f"{actor}-on-{target}" for (actor, target), _ in sorted(pairs)],
    )


@cases(MATRIX.items())
def test_the_rules(pair, expected):
    actor, target = make_pair(*pair)
    may_view, may_export = expected
    assert can_view_record(actor=actor, subject=target) is may_view
    assert can_export(actor=actor, subject=target) is may_export


def test_nobody_signed_out_views_or_exports():
    from django.contrib.auth.models import AnonymousUser

    learner = LearnerFactory()
    assert not can_view_record(actor=AnonymousUser(), subject=learner)
    assert not can_export(actor=AnonymousUser(), subject=learner)


@pytest.mark.parametrize("actor_role", sorted(MAKERS))
def test_exports_of_many_users_apply_the_same_rule(actor_role):
    """exportable_users (the learners list's CSV) is can_export as a query."""
    actor = MAKERS[actor_role]()
    everyone = [actor, *(MAKERS[role]() for role in sorted(MAKERS))]
    expected = {user.pk for user in everyone if can_export(actor=actor, subject=user)}
    assert set(exportable_users(User.objects.all(), actor=actor).values_list("pk", flat=True)) == (
        expected
    )
    assert actor.pk in expected


def test_the_learners_csv_holds_only_whom_the_role_may_export(client):
    learner, colleague, admin = LearnerFactory(), SupportFactory(), AdminFactory()
    support = SupportFactory()
    client.force_login(support)
    learners = "/manage/users/learners/export.csv"
    staff = "/manage/users/learners/export.csv?scope=staff"
    csv = b"".join(client.get(learners).streaming_content).decode()
    assert learner.email in csv
    assert not any(user.email in csv for user in (colleague, admin, support))
    csv = b"".join(client.get(staff).streaming_content).decode()
    assert support.email in csv and learner.email not in csv
    assert colleague.email not in csv and admin.email not in csv
    client.force_login(admin)
    csv = b"".join(client.get(learners).streaming_content).decode()
    assert learner.email in csv
    assert not any(user.email in csv for user in (colleague, admin, support))
    csv = b"".join(client.get(staff).streaming_content).decode()
    assert all(user.email in csv for user in (colleague, admin, support))
    assert learner.email not in csv


def ready_export(learner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return TranscriptExport.objects.create(
        learner=learner,
        status=TranscriptExport.Status.READY,
        file=ContentFile(b"%PDF-1.4 a transcript", name="transcript.pdf"),
        finished_at=timezone.now(),
    )


@cases([(pair, allowed) for pair, allowed in MATRIX.items() if pair[0] in MANAGERS])
def test_every_page_of_the_data_follows_the_rules(client, settings, tmp_path, pair, expected):
    """The Transcript tab, its CSV, PDF (request, status, download) and the privacy export."""
    actor, target = make_pair(*pair)
    may_view, may_export = expected
    export = ready_export(target, settings, tmp_path)
    client.force_login(actor)
    base = f"/manage/users/{target.pk}"
    tab = client.get(f"{base}/transcript/")
    assert tab.status_code == (200 if may_view else 403)
    page = tab.content.decode()
    assert ("Export CSV" in page) is may_export
    assert ("Export PDF" in page) is may_export
    assert ("Download PDF" in page) is may_export
    details = client.get(f"{base}/details/").content.decode()
    assert ("Export personal data" in details) is may_export

    refused = 403
    csv = client.get(f"{base}/transcript/csv/")
    assert csv.status_code == (200 if may_export else refused)
    status = client.get(f"{base}/transcript/pdf/{export.pk}/status/")
    assert status.status_code == (200 if may_export else refused)
    download = client.get(f"{base}/transcript/pdf/{export.pk}/download/")
    assert download.status_code == (200 if may_export else refused)
    exports_before = TranscriptExport.objects.count()
    pdf = client.post(f"{base}/transcript/pdf/")
    assert pdf.status_code == (302 if may_export else refused)
    assert TranscriptExport.objects.count() == exports_before + (1 if may_export else 0)
    privacy = client.post(f"{base}/privacy/export/")
    assert privacy.status_code == (200 if may_export else refused)
    exported = AuditEvent.objects.filter(subject=target, action="privacy.exported").exists()
    assert exported is may_export


def test_customer_service_on_an_admins_record(support_client):
    """The reported case: the tab is readable, and no copy of the data leaves by any door."""
    admin = AdminFactory()
    base = f"/manage/users/{admin.pk}"
    assert support_client.get(f"{base}/transcript/").status_code == 200
    assert support_client.get(f"{base}/transcript/csv/").status_code == 403
    assert support_client.post(f"{base}/transcript/pdf/").status_code == 403
    assert support_client.post(f"{base}/privacy/export/").status_code == 403
    assert not TranscriptExport.objects.filter(learner=admin).exists()
    assert not AuditEvent.objects.filter(subject=admin).exists()


# Every link shown, followed ------------------------------------------------------------------


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links_on(html):
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def internal_path(href, current):
    """The path (and query) of a same-site link, or None for anchors and other sites."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("#"):
        return None
    path = parts.path or current
    if not path.startswith("/"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start="/manage/", depth=3, limit=150):
    """Follow every link on our pages, breadth first: {path: status}."""
    seen = {}
    frontier = [start]
    for _ in range(depth):
        found = []
        for path in frontier:
            if path in seen or len(seen) >= limit:
                continue
            response = client.get(path)
            seen[path] = response.status_code
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                base = path.split("?")[0]
                for href in links_on(response.content.decode()):
                    target = internal_path(href, base)
                    if target and not target.startswith("/static/") and target not in seen:
                        found.append(target)
        frontier = found
    return seen


@pytest.mark.parametrize("role", ["support", "admin"])
def test_every_link_from_manage_opens(client, role):
    """As Customer Service and as Admin: /manage/, the lists and records it leads to (a
    learner's, a colleague's and an admin's), every link followed, none answers 403."""
    actor = MAKERS[role]()
    LearnerFactory(first_name="Lena")
    SupportFactory(first_name="Sam")
    AdminFactory(first_name="Ada")
    client.force_login(actor)
    seen = crawl(client)
    assert "/manage/users/learners/" in seen
    assert any("/transcript/" in path for path in seen)
    refused = {path: status for path, status in seen.items() if status in (403, 500)}
    assert not refused, f"{role} was shown links that refuse them: {refused}"


def test_settings_are_linked_for_admins_only(client):
    settings_links = {
        "/manage/settings/users/",
        "/manage/settings/access/",
        "/manage/settings/activity/",
        "/manage/settings/certification/",
    }
    client.force_login(AdminFactory())
    assert settings_links <= set(links_on(client.get("/manage/").content.decode()))
    client.force_login(SupportFactory())
    page = client.get("/manage/").content.decode()
    assert not settings_links & set(links_on(page))
    assert "<h2>Settings</h2>" not in page
