"""The Access tab and its forms, as an admin or customer service uses them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access import panoramas, services
from access.models import AccessGrant, SublicenseSeat
from tests.access.factories import (
    BulkPurchaseFactory,
    ContentFactory,
    GrantFactory,
    LearningPathFactory,
    PlanFactory,
    RedemptionCodeFactory,
    SublicenseFactory,
)
from tests.factories import AdminFactory, LearnerFactory
from users.models import AuditEvent

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def tab_url(user):
    return f"/manage/users/{user.pk}/access/"


def text(response):
    return response.content.decode()


def future(days=10):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


class TestTab:
    def test_lists_each_kind_with_source_granted_by_and_expiry(self, admin_client, admin_user):
        learner = LearnerFactory()
        course = ContentFactory(title="Negotiation Skills")
        services.access_grant(
            user=learner,
            item=course,
            actor=admin_user,
            expires_at=services.end_of_day(timezone.localdate() + 5 * DAY),
        )
        services.access_grant(
            user=learner, item=LearningPathFactory(title="Data Track"), actor=admin_user
        )
        services.access_grant(user=learner, item=PlanFactory(name="All Access"), actor=admin_user)
        page = text(admin_client.get(tab_url(learner)))
        for expected in (
            "Negotiation Skills",
            "Data Track",
            "All Access",
            admin_user.email,
            "Manual",
            "Expires soon",
            "Never",
        ):
            assert expected in page
        assert 'aria-current="page">Access<' in page

    def test_empty_states(self, admin_client, learner):
        page = text(admin_client.get(tab_url(learner)))
        assert "No content open to this learner." in page
        assert "Not in any Panorama." in page
        assert "No bulk purchases by this learner." in page

    def test_bulk_purchases_show_redemption_status(self, admin_client, learner):
        purchase = BulkPurchaseFactory(buyer=learner, order_reference="BULK-7", seats=3)
        RedemptionCodeFactory(
            bulk_purchase=purchase, redeemed_by=LearnerFactory(), redeemed_at=timezone.now()
        )
        RedemptionCodeFactory.create_batch(2, bulk_purchase=purchase)
        page = text(admin_client.get(tab_url(learner)))
        assert "BULK-7" in page and "1 of 3 codes" in page

    def test_content_list_paginates(self, admin_client, learner):
        GrantFactory.create_batch(55, user=learner)
        first = admin_client.get(tab_url(learner))
        assert first.context["sections"]["content"].next_cursor
        assert len(first.context["sections"]["content"].rows) == 50
        cursor = first.context["sections"]["content"].next_cursor
        second = admin_client.get(tab_url(learner), {"content_cursor": cursor})
        assert len(second.context["sections"]["content"].rows) == 5

    def test_a_bad_cursor_is_page_one(self, admin_client, learner):
        for _ in range(55):
            GrantFactory(user=learner)
        response = admin_client.get(tab_url(learner), {"content_cursor": "%%%garbage"})
        assert response.status_code == 200
        shown = response.context["sections"]["content"]
        first = admin_client.get(tab_url(learner)).context["sections"]["content"]
        assert [row.pk for row in shown.rows] == [row.pk for row in first.rows]
        assert len(shown.rows) == 50 and shown.previous_cursor is None

    def test_query_count_is_fixed_for_none_1_or_500_grants(self, admin_client, admin_user):
        def count(learner):
            with CaptureQueriesContext(connection) as queries:
                assert admin_client.get(tab_url(learner)).status_code == 200
            return len(queries)

        one = LearnerFactory()
        GrantFactory(user=one, granted_by=admin_user)
        many = LearnerFactory()
        path = LearningPathFactory()
        parent = GrantFactory(user=many, content=None, learning_path=path)
        GrantFactory.create_batch(250, user=many, granted_by=admin_user, parent=parent)
        GrantFactory.create_batch(
            200,
            user=many,
            expires_at=timezone.now() - DAY,
            end_reason="expired",
            ended_at=timezone.now(),
        )
        for _ in range(40):
            GrantFactory(user=many, content=None, plan=PlanFactory())
        SublicenseSeat.objects.create(
            user=many, panorama=(team := SublicenseFactory()).panorama, sublicense=team
        )
        purchase = BulkPurchaseFactory(buyer=many)
        RedemptionCodeFactory.create_batch(3, bulk_purchase=purchase)
        assert AccessGrant.objects.filter(user=many).count() >= 490
        assert count(LearnerFactory()) == count(one) == count(many)
        page = admin_client.get(tab_url(many)).content.decode()
        assert f"via {path.title}" in page

    def test_support_sees_the_tab(self, support_client, learner):
        assert support_client.get(tab_url(learner)).status_code == 200

    def test_unknown_learner_is_404(self, admin_client):
        assert admin_client.get("/manage/users/999999/access/").status_code == 404


class TestAdd:
    def test_add_a_course_with_an_expiry(self, admin_client, learner):
        course = ContentFactory(title="Excel Formulas", slug="excel-formulas")
        response = admin_client.post(
            f"{tab_url(learner)}add/",
            {"item": "Excel Formulas [content:excel-formulas]", "expires_at": future(10)},
        )
        assert response.status_code == 302
        grant = AccessGrant.objects.get(user=learner, content=course)
        assert grant.expires_at.date() == timezone.localdate() + 10 * DAY
        assert f"Excel Formulas added, with access until {future(10)}." in text(
            admin_client.get(tab_url(learner))
        )

    def test_the_title_alone_works_without_the_list(self, admin_client, learner):
        path = LearningPathFactory(title="New Manager Path", contents=[ContentFactory()])
        response = admin_client.post(f"{tab_url(learner)}add/", {"item": "new manager path"})
        assert response.status_code == 302
        assert AccessGrant.objects.filter(user=learner, learning_path=path).exists()

    def test_a_double_submit_gives_one_grant(self, admin_client, learner):
        ContentFactory(title="Once", slug="once")
        for _ in range(2):
            admin_client.post(f"{tab_url(learner)}add/", {"item": "Once [content:once]"})
        assert AccessGrant.objects.filter(user=learner).count() == 1

    def test_the_picker_lists_the_catalog(self, admin_client, learner):
        ContentFactory(title="Code of Conduct", slug="code-of-conduct")
        page = text(admin_client.get(tab_url(learner)))
        assert '<datalist id="access-catalog">' in page
        assert 'value="Code of Conduct (Course)"' in page and "[content:" not in page

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"item": ""}, "This field is required."),
            ({"item": "x" * 301}, "at most 300 characters"),
            ({"item": "Nothing like this"}, "No single item matches"),
            ({"item": "Ghost [content:ghost]"}, "No single item matches"),
            ({"item": "Real [content:real]", "expires_at": "2001-01-01"}, "use Revoke"),
            ({"item": "Real [content:real]", "expires_at": "31/31/2031"}, "Enter a valid date."),
            ({"item": "Real [content:real]", "expires_at": "9999-12-31"}, "Choose a date before"),
            ({"item": "Real [content:real]", "expires_at": "-1"}, "Enter a valid date."),
            ({"item": "Real [content:real]", "note": "n" * 501}, "at most 500 characters"),
        ],
    )
    def test_bad_input_is_refused_at_the_field(self, admin_client, learner, data, message):
        ContentFactory(title="Real", slug="real")
        response = admin_client.post(f"{tab_url(learner)}add/", data)
        assert response.status_code == 400
        assert message in text(response)
        assert not AccessGrant.objects.exists()
        assert not AuditEvent.objects.filter(action="access.granted").exists()

    def test_get_is_not_allowed(self, admin_client, learner):
        assert admin_client.get(f"{tab_url(learner)}add/").status_code == 405


class TestGrantPage:
    def grant(self, learner, admin_user, days=5):
        return services.access_grant(
            user=learner,
            item=ContentFactory(title="Safety"),
            actor=admin_user,
            expires_at=services.end_of_day(timezone.localdate() + days * DAY),
        )

    def test_shows_details_and_forms(self, admin_client, admin_user, learner):
        grant = self.grant(learner, admin_user)
        page = text(admin_client.get(f"{tab_url(learner)}{grant.pk}/"))
        assert "Access expires on" in page and "Revoke access" in page
        assert "The learner loses access to Safety at once" in page
        assert f'value="{grant.expires_at.date().isoformat()}"' in page

    def test_tab_rows_offer_change_expiry_and_revoke_in_one_dialog_each(
        self, admin_client, admin_user, learner
    ):
        grant = self.grant(learner, admin_user)
        page = text(admin_client.get(tab_url(learner)))
        grant_url = f"{tab_url(learner)}{grant.pk}/"
        assert page.count('data-confirm="expiry-dialog"') == 1
        assert page.count('data-confirm="revoke-dialog"') == 1
        assert f'data-action="{grant_url}revoke/"' in page and f'href="{grant_url}"' in page
        assert f'data-value="{grant.expires_at.date().isoformat()}"' in page
        assert page.count('<dialog id="revoke-dialog"') == 1
        assert "Revoke access to {item}?" in page

    def test_adjust_the_date(self, admin_client, admin_user, learner):
        grant = self.grant(learner, admin_user)
        response = admin_client.post(f"{tab_url(learner)}{grant.pk}/", {"expires_at": future(40)})
        assert response.status_code == 302
        grant.refresh_from_db()
        assert grant.expires_at.date() == timezone.localdate() + 40 * DAY
        assert AuditEvent.objects.filter(action="access.expiry_changed").count() == 1

    def test_clearing_the_date_means_no_expiry(self, admin_client, admin_user, learner):
        grant = self.grant(learner, admin_user)
        admin_client.post(f"{tab_url(learner)}{grant.pk}/", {"expires_at": ""})
        grant.refresh_from_db()
        assert grant.expires_at is None

    def test_a_past_date_is_refused_at_the_field(self, admin_client, admin_user, learner):
        grant = self.grant(learner, admin_user)
        yesterday = (timezone.localdate() - DAY).isoformat()
        response = admin_client.post(f"{tab_url(learner)}{grant.pk}/", {"expires_at": yesterday})
        assert response.status_code == 400
        assert "This date is in the past. To end access now, use Revoke." in text(response)
        before = grant.expires_at
        grant.refresh_from_db()
        assert grant.expires_at == before

    def test_revoke_with_a_reason(self, admin_client, admin_user, learner):
        grant = self.grant(learner, admin_user)
        response = admin_client.post(
            f"{tab_url(learner)}{grant.pk}/revoke/", {"reason": "Asked for a refund"}
        )
        assert response.status_code == 302
        grant.refresh_from_db()
        assert grant.status == "Revoked"
        event = AuditEvent.objects.get(action="access.revoked")
        assert event.note == "Asked for a refund" and event.actor == admin_user

    def test_revoke_with_a_reason_too_long_changes_nothing(self, admin_client, admin_user, learner):
        grant = self.grant(learner, admin_user)
        response = admin_client.post(f"{tab_url(learner)}{grant.pk}/revoke/", {"reason": "r" * 501})
        assert response.status_code == 400
        grant.refresh_from_db()
        assert grant.ended_at is None

    def test_another_learners_grant_is_404(self, admin_client, admin_user, learner):
        grant = self.grant(LearnerFactory(), admin_user)
        assert admin_client.get(f"{tab_url(learner)}{grant.pk}/").status_code == 404
        assert admin_client.post(f"{tab_url(learner)}{grant.pk}/revoke/").status_code == 404

    def test_support_cannot_touch_an_admins_access(self, support_client):
        other = AdminFactory()
        grant = GrantFactory(user=other)
        response = support_client.post(f"{tab_url(other)}{grant.pk}/revoke/")
        assert response.status_code == 403
        grant.refresh_from_db()
        assert grant.ended_at is None


class TestReinstateFromTheTab:
    def test_archived_item_is_listed_and_reinstated(self, admin_client, learner):
        grant = GrantFactory(
            user=learner, content=ContentFactory(title="Old course"), archived_at=timezone.now()
        )
        page = text(admin_client.get(tab_url(learner)))
        archive = page.split('id="archive-heading"')[1]
        assert "Old course" in archive and "Archived by learner" in archive
        response = admin_client.post(f"{tab_url(learner)}{grant.pk}/reinstate/")
        assert response.status_code == 302
        grant.refresh_from_db()
        assert grant.archived_at is None

    def test_expired_item_asks_for_a_new_expiry(self, admin_client, learner):
        grant = GrantFactory(
            user=learner,
            expires_at=timezone.now() - DAY,
            ended_at=timezone.now(),
            end_reason=AccessGrant.EndReason.EXPIRED,
        )
        url = f"{tab_url(learner)}{grant.pk}/reinstate/"
        response = admin_client.post(url, {"expires_at": ""})
        assert response.status_code == 400
        assert "This access has expired: choose a new expiry date." in text(response)
        response = admin_client.post(url, {"expires_at": "2000-01-01"})
        assert "use Revoke" in text(response)
        assert admin_client.post(url, {"expires_at": future(20)}).status_code == 302
        grant.refresh_from_db()
        assert grant.is_active


class TestSeatForm:
    def test_assign_a_sublicense(self, admin_client, learner):
        team = SublicenseFactory(name="Sales team", seat_limit=3)
        response = admin_client.post(f"{tab_url(learner)}seat/", {"sublicense": team.pk})
        assert response.status_code == 302
        page = text(admin_client.get(tab_url(learner)))
        assert "Sales team" in page and "1 of 3 seats" in page

    def test_a_full_sublicense_gives_a_message_at_the_field(
        self, admin_client, admin_user, learner
    ):
        team = SublicenseFactory(name="Ops", seat_limit=1)
        panoramas.seat_assign(user=LearnerFactory(), sublicense=team, actor=admin_user)
        response = admin_client.post(f"{tab_url(learner)}seat/", {"sublicense": team.pk})
        assert response.status_code == 400
        page = text(response)
        assert "“Ops” is full: all 1 seats are taken." in page
        assert 'class="field-error" id="id_sublicense_error"' in page
        assert not SublicenseSeat.objects.filter(user=learner).exists()

    @pytest.mark.parametrize("value", ["", "abc", "-1", "99999999999999999999999", "0"])
    def test_bad_choices_are_refused(self, admin_client, learner, value):
        response = admin_client.post(f"{tab_url(learner)}seat/", {"sublicense": value})
        assert response.status_code == 400
        assert not SublicenseSeat.objects.exists()


class TestSettingsPage:
    def test_admin_turns_archiving_on(self, admin_client):
        page = text(admin_client.get("/manage/settings/access/"))
        assert "Learners may archive their content" in page
        response = admin_client.post("/manage/settings/access/", {"learner_archiving": "on"})
        assert response.status_code == 302
        from access.models import AccessSettings

        assert AccessSettings.load().learner_archiving is True
        assert AuditEvent.objects.filter(action="access.settings_changed").count() == 1

    def test_support_may_not(self, support_client):
        assert support_client.get("/manage/settings/access/").status_code == 403


def test_grant_page_of_an_archived_item_offers_reinstate(admin_client, learner):
    grant = GrantFactory(user=learner, archived_at=timezone.now())
    page = text(admin_client.get(f"{tab_url(learner)}{grant.pk}/"))
    assert "Archived by the learner" in page and "Reinstate" in page


@pytest.mark.parametrize(
    "url",
    ["/manage/users/99999999999999999999999/access/", "/manage/users/{u}/access/99999999999999/"],
)
def test_out_of_range_ids_are_404(admin_client, learner, url):
    assert admin_client.get(url.format(u=learner.pk)).status_code == 404


def test_out_of_range_archive_id_is_404(learner_client):
    assert learner_client.post("/my/access/99999999999999999999999/archive/").status_code == 404
