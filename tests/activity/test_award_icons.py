"""Award icons are drawn as SVG that ships with the app: an emoji needs a font that a default
Debian Chromium lacks (it shows an empty box). The award type keeps the icon it was given."""

import re

import pytest
from django.test import Client

from access.services import access_grant
from activity import services
from tests.activity.factories import AwardTypeFactory, ContentFactory

pytestmark = pytest.mark.django_db

EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\ufe0f]")


@pytest.fixture
def awards(admin_user, learner):
    services.activity_settings_update(actor=admin_user, gamification=True)
    course = ContentFactory(title="Negotiation Basics")
    access_grant(user=learner, item=course, actor=None)
    for singular, plural, icon in [
        ("Star", "Stars", "⭐"),
        ("Badge", "Badges", "🏅"),
        ("Trophy", "Trophies", "🏆\ufe0f"),
        ("Unicorn", "Unicorns", "🦄"),
        ("Grade", "Grades", "A+"),
    ]:
        award_type = AwardTypeFactory(singular=singular, plural=plural, icon=icon)
        services.award_grant(
            user=learner, award_type=award_type, quantity=2, content=course, actor=admin_user
        )


def svg_icons(page):
    return re.findall(r'<svg class="award-icon award-icon-(\w+)"', page)


def test_the_activity_tab_draws_award_icons_as_svg_not_emoji(admin_user, learner, awards):
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/manage/users/{learner.pk}/activity/").content.decode()

    # Totals, then the grant history (newest first); the unknown emoji gets the generic award.
    assert svg_icons(page) == ["medal", "star", "trophy", "award"] + [
        "award",
        "trophy",
        "medal",
        "star",
    ]
    assert not EMOJI.findall(page)
    assert '<span aria-hidden="true">A+</span> <strong>2</strong> Grades' in page


def test_my_certificates_draws_the_learners_award_icons_as_svg(learner, awards):
    client = Client()
    client.force_login(learner)
    page = client.get("/my/certificates/").content.decode()

    assert svg_icons(page) == ["medal", "star", "trophy", "award"]
    assert not EMOJI.findall(page)
