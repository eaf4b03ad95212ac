import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from privacy.services import erasure_request
from users.models import AuditEvent, ErasureRequest
from users.privacy_state import privacy_context

pytestmark = [
    pytest.mark.django_db,
]


def erase_url(user):
    return f"/manage/users/{user.pk}/privacy/erase/"


def test_confirmation_page_explains_the_window(admin_client, learner):
    response = admin_client.get(erase_url(learner))

    assert response.status_code == 200
    html = response.content.decode()
    assert "7 days after you confirm" in html
    assert '<label for="id_reason">Reason</label>' in html
    assert "Schedule erasure" in html


def test_scheduling_redirects_to_the_record_with_the_date(admin_client, learner):
    response = admin_client.post(
        erase_url(learner), {"reason": "Asked by e-mail on 3 March."}, follow=True
    )

    request = ErasureRequest.objects.get(user=learner)
    assert response.redirect_chain[-1][0] == f"/manage/users/{learner.pk}/details/"
    assert f"Erasure scheduled for {request.due_at:%d %B %Y}" in response.content.decode()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_bad_reason_is_a_field_message_and_changes_nothing(admin_client, learner, reason):
    response = admin_client.post(erase_url(learner), {"reason": reason})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_reason_error"' in html
    assert not ErasureRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="privacy.erasure_requested").exists()


def test_double_submit_shows_a_message_not_a_500(admin_client, learner):
    admin_client.post(erase_url(learner), {"reason": "Asked twice."})

    response = admin_client.post(erase_url(learner), {"reason": "Asked twice."})

    assert response.status_code == 200
    assert "Erasure is scheduled for" in response.content.decode()
    assert ErasureRequest.objects.filter(user=learner).count() == 1


def test_cancel_from_the_record(admin_client, admin_user, learner):
    erasure_request(user=learner, actor=admin_user, reason="Asked.")

    asked = admin_client.post(f"{erase_url(learner)}cancel/")  # no JavaScript: asked on a page
    assert "Cancel the scheduled erasure?" in asked.content.decode()
    assert ErasureRequest.objects.get(user=learner).cancelled_by is None
    response = admin_client.post(f"{erase_url(learner)}cancel/", {"confirmed": "1"}, follow=True)

    assert "Erasure cancelled" in response.content.decode()
    assert ErasureRequest.objects.get(user=learner).cancelled_by == admin_user


def test_cancel_is_post_only(admin_client, learner):
    assert admin_client.get(f"{erase_url(learner)}cancel/").status_code == 405


def test_customer_service_cannot_erase_or_cancel(support_client, admin_user, learner):
    assert support_client.get(erase_url(learner)).status_code == 403
    assert support_client.post(erase_url(learner), {"reason": "x"}).status_code == 403
    erasure_request(user=learner, actor=admin_user, reason="Asked.")
    assert support_client.post(f"{erase_url(learner)}cancel/").status_code == 403
    assert ErasureRequest.objects.get(user=learner).is_open


def test_learners_get_403(learner_client, learner):
    assert learner_client.get(erase_url(learner)).status_code == 403
    assert learner_client.post(erase_url(learner), {"reason": "x"}).status_code == 403
    assert not ErasureRequest.objects.exists()


def test_details_privacy_section(admin_user, support_user, learner):
    request = RequestFactory().get("/")

    def section(actor):
        context = {"subject": learner} | privacy_context(subject=learner, actor=actor)
        return render_to_string("users/privacy_section.html", context, request=request)

    html = section(admin_user)
    assert "Export personal data" in html and "Erase learner" in html
    assert "Erase learner" not in section(support_user)
    erasure_request(user=learner, actor=admin_user, reason="Asked.")
    html = section(admin_user)
    assert "Erasure scheduled" in html and "Cancel erasure" in html
    assert "Erasure scheduled" in section(support_user)
    assert "Cancel erasure" not in section(support_user)


@pytest.mark.parametrize("suffix", ["export/", "erase/", "erase/cancel/"])
def test_gate(client, admin_client, learner, suffix):
    url = f"/manage/users/{learner.pk}/privacy/{suffix}"

    assert admin_client.get(url).status_code not in (401, 403, 500)
    client.logout()
    response = client.get(url)
    assert response.status_code in (302, 403)
