import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import AccessGrant
from batch import bulk
from batch.models import BulkJob
from tests.access.factories import ContentFactory
from tests.factories import AdminFactory, LearnerFactory
from tests.races import all_at_once
from users.models import AuditEvent, Invitation
from users.roles import Role, role_of

pytestmark = [pytest.mark.django_db]

LIST = "/manage/users/learners/"
CONFIRM = "/manage/users/learners/bulk/"
APPLY = "/manage/users/learners/bulk/apply/"


def post_apply(client, users, action, **extra):
    data = {"action": action, "user": [str(user.pk) for user in users], **extra}
    return client.post(APPLY, data, follow=True)


def events(user, action):
    return AuditEvent.objects.filter(subject=user, action=action).count()


def refresh(users):
    for user in users:
        user.refresh_from_db()
    return users


def test_the_list_offers_checkboxes_and_the_action_bar(admin_client):
    LearnerFactory(first_name="Ada", last_name="Lovelace")
    page = admin_client.get(LIST).content.decode()
    assert 'name="user"' in page and "Select Ada Lovelace" in page
    assert "Select all on this page" in page and "active learners on the list" in page
    assert f'action="{CONFIRM}"' in page
    for kept in ("Export CSV", "View Disabled", "Search by e-mail or name", "Last sign-in"):
        assert kept in page


def test_the_list_query_count_is_unchanged_by_the_bulk_bar(admin_client):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(LIST).status_code == 200
        return len(queries)

    count()
    small = count()
    LearnerFactory.create_batch(60)
    assert count() == small


def test_confirmation_shows_the_count_and_changes_nothing(admin_client):
    learners = LearnerFactory.create_batch(3)
    response = admin_client.post(
        CONFIRM, {"action": "disable", "user": [str(u.pk) for u in learners]}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["count"] == 3
    assert "Disable 3 learners" in page and "Apply to 3 learners" in page
    assert all(u.is_active for u in refresh(learners))
    assert not BulkJob.objects.exists()


def test_disable_then_enable_in_bulk_one_audit_event_each(admin_client):
    learners = LearnerFactory.create_batch(3)
    response = post_apply(admin_client, learners, "disable")
    assert response.status_code == 200
    assert not any(u.is_active for u in refresh(learners))
    assert [events(u, "user.disabled") for u in learners] == [1, 1, 1]
    job = BulkJob.objects.get()
    assert (job.status, job.total, job.done, job.failed) == ("done", 3, 3, 0)
    assert "Every selected learner was changed." in response.content.decode()

    post_apply(admin_client, learners, "enable", disabled="1")
    assert all(u.is_active for u in refresh(learners))
    assert [events(u, "user.enabled") for u in learners] == [1, 1, 1]


def test_assign_role_within_the_actors_limits(support_client, support_user):
    learners = LearnerFactory.create_batch(2)
    post_apply(support_client, learners, "assign_role", role="customer_service")
    assert [role_of(u) for u in refresh(learners)] == [Role.CUSTOMER_SERVICE] * 2
    assert [events(u, "user.updated") for u in learners] == [1, 1]

    others = LearnerFactory.create_batch(2)
    response = support_client.post(
        CONFIRM, {"action": "assign_role", "role": "admin", "user": [str(u.pk) for u in others]}
    )
    assert response.status_code == 400
    assert "You may not give this role." in response.content.decode()
    response = post_apply(support_client, others, "assign_role", role="admin")
    assert "You may not give this role." in response.content.decode()
    assert [role_of(u) for u in refresh(others)] == [Role.LEARNER] * 2
    assert not AuditEvent.objects.filter(subject__in=others).exists()


def test_assign_role_needs_a_role(admin_client):
    learner = LearnerFactory()
    response = admin_client.post(CONFIRM, {"action": "assign_role", "user": [str(learner.pk)]})
    assert response.status_code == 400
    assert "Choose the role to give." in response.content.decode()


def test_grant_content_with_an_expiry(admin_client):
    content = ContentFactory(title="Python basics", slug="python-basics")
    learners = LearnerFactory.create_batch(2)
    until = timezone.localdate() + datetime.timedelta(days=30)
    confirm = admin_client.post(
        CONFIRM,
        {
            "action": "grant_content",
            "content": "python-basics",
            "expires_on": until.isoformat(),
            "user": [str(u.pk) for u in learners],
        },
    ).content.decode()
    assert "Open “Python basics” to 2 learners until" in confirm
    post_apply(
        admin_client,
        learners,
        "grant_content",
        content="python-basics",
        expires_on=until.isoformat(),
    )
    for learner in learners:
        grant = AccessGrant.objects.get(user=learner, content=content)
        assert timezone.localtime(grant.expires_at).date() == until
        assert events(learner, "access.granted") == 1


@pytest.mark.parametrize(
    "content,expires_on,message",
    [
        ("", "", "Enter the slug of the content to open."),
        ("no-such-course", "", "No content has the slug"),
        ("python-basics", "2001-01-01", "Choose a date in the future."),
        ("python-basics", "31/31/2031", "Enter a valid date."),
    ],
)
def test_grant_content_bad_input_is_explained(admin_client, content, expires_on, message):
    ContentFactory(slug="python-basics")
    learner = LearnerFactory()
    data = {"action": "grant_content", "content": content, "expires_on": expires_on}
    response = admin_client.post(CONFIRM, {**data, "user": [str(learner.pk)]})
    assert response.status_code == 400
    assert message in response.content.decode()
    post_apply(admin_client, [learner], **data)
    assert not AccessGrant.objects.filter(user=learner).exists()


def test_resend_invite_to_those_who_never_signed_in(
    admin_client, django_capture_on_commit_callbacks
):
    fresh = LearnerFactory()
    seen = LearnerFactory(last_login=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        response = post_apply(admin_client, [fresh, seen], "resend_invite")
    assert Invitation.objects.filter(user=fresh).count() == 1
    assert not Invitation.objects.filter(user=seen).exists()
    job = BulkJob.objects.get()
    assert (job.done, job.failed) == (1, 1)
    assert job.errors[0]["user_id"] == seen.pk
    assert "already signed in" in response.content.decode()


def test_partial_failure_reports_who_and_why_and_applies_the_rest(support_client, support_user):
    admin = AdminFactory(email="boss@school.example")
    learners = LearnerFactory.create_batch(2)
    response = post_apply(support_client, [*learners, admin, support_user], "disable")
    page = response.content.decode()
    assert not any(u.is_active for u in refresh(learners))
    admin.refresh_from_db()
    support_user.refresh_from_db()
    assert admin.is_active and support_user.is_active
    assert events(admin, "user.disabled") == 0 and admin.version == 1
    job = BulkJob.objects.get()
    assert (job.done, job.failed) == (2, 2)
    reasons = {error["email"]: error["reason"] for error in job.errors}
    assert reasons["boss@school.example"] == "You may not change this user's record."
    assert reasons[support_user.email] == "You cannot disable your own account."
    assert "boss@school.example" in page and "Failed: <strong>2</strong>" in page


def test_a_large_selection_runs_as_a_task_with_progress(
    admin_client, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulk, "INLINE_LIMIT", 3)
    monkeypatch.setattr(bulk, "PROGRESS_EVERY", 2)
    learners = LearnerFactory.create_batch(5)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            APPLY, {"action": "disable", "user": [str(u.pk) for u in learners]}
        )
    job = BulkJob.objects.get()
    assert response.url == f"/manage/users/bulk/{job.pk}/"
    assert (job.status, job.done) == ("pending", 0)
    waiting = admin_client.get(response.url).content.decode()
    assert 'hx-trigger="every 2s"' in waiting and 'value="0" max="5"' in waiting
    assert len(callbacks) == 1
    callbacks[0]()  # the eager Celery task
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == ("done", 5, 0)
    fragment = admin_client.get(f"/manage/users/bulk/{job.pk}/progress/").content.decode()
    assert '<progress id="bulk-progress-bar" value="5" max="5">' in fragment
    assert "hx-trigger" not in fragment
    assert not any(u.is_active for u in refresh(learners))


def test_a_redelivered_task_resumes_and_does_not_repeat(admin_user):
    learners = LearnerFactory.create_batch(4)
    job = BulkJob.objects.create(
        actor=admin_user,
        action="disable",
        user_ids=[u.pk for u in learners],
        total=4,
        done=2,
        status="running",
    )
    bulk.bulk_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done) == ("done", 4)
    assert [u.is_active for u in refresh(learners)] == [True, True, False, False]
    bulk.bulk_job_run(job_id=job.pk)
    assert AuditEvent.objects.filter(action="user.disabled").count() == 2


def test_progress_page_mid_run_shows_the_bar(admin_client, admin_user):
    job = BulkJob.objects.create(
        actor=admin_user, action="disable", total=10, done=3, failed=1, status="running"
    )
    page = admin_client.get(f"/manage/users/bulk/{job.pk}/").content.decode()
    assert 'value="4" max="10"' in page and 'hx-get="/manage/users/bulk/' in page


def test_all_matching_this_search(admin_client):
    hansens = [LearnerFactory(last_name="Hansen") for _ in range(3)]
    other = LearnerFactory(last_name="Smith")
    data = {"action": "disable", "all_matching": "1", "q": "hansen"}
    response = admin_client.post(CONFIRM, data)
    assert response.context["count"] == 3
    admin_client.post(APPLY, data)
    assert not any(u.is_active for u in refresh(hansens))
    other.refresh_from_db()
    assert other.is_active


def test_all_matching_more_than_the_limit_is_refused(admin_client, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_SELECTION", 3)
    monkeypatch.setattr(bulk, "COUNT_LIMIT", 4)
    LearnerFactory.create_batch(5, last_name="Hansen")
    response = admin_client.post(
        CONFIRM, {"action": "disable", "all_matching": "1", "q": "hansen"}, follow=True
    )
    assert "More than 3 learners match this search" in response.content.decode()
    admin_client.post(APPLY, {"action": "disable", "all_matching": "1", "q": "hansen"})
    assert not BulkJob.objects.exists()


def test_all_on_this_page(admin_client):
    learners = LearnerFactory.create_batch(2)
    data = {"action": "disable", "all_on_page": "1", "page_user": [str(u.pk) for u in learners]}
    assert admin_client.post(CONFIRM, data).context["count"] == 2


@pytest.mark.parametrize(
    "data,message",
    [
        ({"action": "disable"}, "Select at least one learner."),
        ({"action": "disable", "user": ["abc"]}, "The selection was not understood"),
        ({"action": "disable", "user": ["-4"]}, "The selection was not understood"),
        ({"action": "disable", "user": ["9" * 40]}, "The selection was not understood"),
        ({"action": "disable", "user": ["0"]}, "The selection was not understood"),
        ({"action": "disable", "user": ["987654321"]}, "None of the selected learners exist"),
    ],
)
@pytest.mark.parametrize("url", [CONFIRM, APPLY])
def test_bad_selections_are_explained_never_a_500(admin_client, data, message, url):
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BulkJob.objects.exists()


@pytest.mark.parametrize("url", [CONFIRM, APPLY])
def test_unknown_action_is_refused(admin_client, url):
    learner = LearnerFactory()
    response = admin_client.post(url, {"action": "delete_everyone", "user": [str(learner.pk)]})
    assert response.status_code in (302, 400)
    learner.refresh_from_db()
    assert learner.is_active and not BulkJob.objects.exists()


def test_a_huge_id_list_is_refused(admin_client, settings, monkeypatch):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = None
    monkeypatch.setattr(bulk, "MAX_SELECTION", 100)
    ids = [str(n) for n in range(1, 102)]
    response = admin_client.post(CONFIRM, {"action": "disable", "user": ids}, follow=True)
    assert "Select at most 100 learners at once." in response.content.decode()


def test_more_fields_than_django_accepts_is_a_400(admin_client):
    ids = [str(n) for n in range(1, 5_000)]
    response = admin_client.post(CONFIRM, {"action": "disable", "user": ids})
    assert response.status_code == 400


def test_nonexistent_ids_are_skipped(admin_client):
    learner = LearnerFactory()
    response = admin_client.post(
        CONFIRM, {"action": "disable", "user": [str(learner.pk), "987654321"]}
    )
    assert response.context["count"] == 1


def test_a_learner_deleted_before_the_task_runs_is_reported(admin_user):
    learner = LearnerFactory()
    job = BulkJob.objects.create(
        actor=admin_user, action="disable", user_ids=[learner.pk, 987654321], total=2
    )
    bulk.bulk_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.done, job.failed) == (1, 1)
    assert job.errors == [
        {"user_id": 987654321, "email": "", "reason": "This user no longer exists."}
    ]


def test_confirm_by_get_goes_back_to_the_list(admin_client):
    response = admin_client.get(CONFIRM)
    assert response.status_code == 302 and response.url == LIST
    assert admin_client.get(APPLY).status_code == 405


def test_a_job_is_seen_only_by_who_started_it(client, admin_user):
    job = BulkJob.objects.create(actor=admin_user, action="disable", total=1)
    client.force_login(AdminFactory())
    assert client.get(f"/manage/users/bulk/{job.pk}/").status_code == 404
    assert client.get(f"/manage/users/bulk/{job.pk}/progress/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [CONFIRM, APPLY, "/manage/users/bulk/1/", "/manage/users/bulk/1/progress/"],
)
def test_bulk_pages_are_behind_the_manage_gate(client, url):
    assert client.get(url).status_code == 302
    client.force_login(LearnerFactory())
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_support_may_bulk_grant_content(support_client):
    ContentFactory(slug="python-basics")
    learner = LearnerFactory()
    post_apply(support_client, [learner], "grant_content", content="python-basics")
    assert AccessGrant.objects.filter(user=learner).count() == 1


def test_support_cannot_disable_an_admin_even_alone(support_client):
    admin = AdminFactory()
    response = post_apply(support_client, [admin], "disable")
    admin.refresh_from_db()
    assert admin.is_active
    assert "You may not change this user&#x27;s record." in response.content.decode()


@pytest.mark.parametrize(
    "url,status",
    [(CONFIRM, 302), (APPLY, 405), ("/manage/users/bulk/{id}/", 404)],
)
def test_an_admin_gets_through_the_gate_on_every_bulk_route(admin_client, learner, url, status):
    assert admin_client.get(url.format(id=learner.pk)).status_code == status


@pytest.mark.postgres  # two workers at once: row locks
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_job_count_each_learner_once(admin_user, monkeypatch):
    """A task delivered twice at once: the job's lock serialises chunks; totals stay exact."""
    monkeypatch.setattr(bulk, "PROGRESS_EVERY", 2)
    learners = LearnerFactory.create_batch(9)
    job = BulkJob.objects.create(
        actor=admin_user, action="disable", user_ids=[u.pk for u in learners], total=9
    )
    all_at_once(2, lambda: bulk.bulk_job_run(job_id=job.pk))
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == ("done", 9, 0)
    assert AuditEvent.objects.filter(action="user.disabled").count() == 9


def test_learners_already_as_asked_are_counted_apart_and_not_audited(admin_client):
    """Disabling a mix of active and disabled learners: the page says how many changed and
    how many were already disabled; only the changed ones get an audit event."""
    active = LearnerFactory()
    disabled = LearnerFactory(is_active=False)
    response = post_apply(admin_client, [active, disabled], "disable")
    job = BulkJob.objects.get()
    assert (job.done, job.unchanged, job.changed, job.failed) == (2, 1, 1, 0)
    page = response.content.decode()
    assert "Changed: <strong>1</strong>" in page
    assert "Already so, nothing changed: <strong>1</strong>" in page
    assert (events(active, "user.disabled"), events(disabled, "user.disabled")) == (1, 0)


def test_granting_content_a_learner_holds_is_counted_as_unchanged(admin_client, admin_user):
    from access.services import access_grant

    content = ContentFactory(slug="safety")
    holder, newcomer = LearnerFactory(), LearnerFactory()
    access_grant(user=holder, item=content, actor=admin_user)
    post_apply(admin_client, [holder, newcomer], "grant_content", content="safety")
    job = BulkJob.objects.get()
    assert (job.changed, job.unchanged) == (1, 1)
    assert AccessGrant.objects.filter(user=holder, content=content).count() == 1
