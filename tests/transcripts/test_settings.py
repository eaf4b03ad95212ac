"""Settings > Certification: columns and their order, title, footer, transcript fields."""

import pytest

from access.models import Content
from tests.transcripts.factories import ContentFactory, TranscriptFieldFactory, set_value
from transcripts.models import (
    DEFAULT_COLUMNS,
    TranscriptField,
    TranscriptFieldValue,
    TranscriptSettings,
)
from users.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/manage/settings/certification/"
BUILTIN = [
    "title",
    "kind",
    "completed_at",
    "score",
    "time_spent",
    "certificate_code",
    "certificate_expires",
    "credits",
]


def form_data(columns, **extra):
    """Show `columns` (keys) in the given order; every other column hidden."""
    data = {
        "title": "Official transcript",
        "footer": "Accredited by the Board.",
        "credits_field": "",
    }
    keys = BUILTIN + [f.column_key for f in TranscriptField.objects.all()]
    for index, key in enumerate(keys):
        slug = key.replace(":", "_")
        if key in columns:
            data[f"show_{slug}"] = "on"
            data[f"position_{slug}"] = str(columns.index(key) + 1)
        else:
            data[f"position_{slug}"] = str(50 + index)
    data.update(extra)
    return data


def test_the_page_shows_every_column_with_defaults(admin_client):
    TranscriptFieldFactory(name="CEU credits")
    response = admin_client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    for label in (
        "Show Content",
        "Position of Completed",
        "Show Certificate expires",
        "Show Credits",
        "Show CEU credits",
        "Transcript title",
        "Footer line",
    ):
        assert label in page
    assert TranscriptSettings.load().columns == DEFAULT_COLUMNS


def test_saving_chooses_columns_and_order_and_is_audited(admin_client, admin_user):
    ceu = TranscriptFieldFactory(name="CEU credits")
    columns = [ceu.column_key, "title", "completed_at", "credits"]

    response = admin_client.post(URL, form_data(columns, credits_field=str(ceu.pk)))

    assert response.status_code == 302
    settings = TranscriptSettings.load()
    assert settings.columns == columns
    assert settings.title == "Official transcript"
    assert settings.footer == "Accredited by the Board."
    assert settings.credits_field == ceu
    event = AuditEvent.objects.get(action="transcripts.settings_changed")
    assert event.actor == admin_user
    assert event.changes["title"] == ["Transcript", "Official transcript"]
    assert event.changes["columns"] == [DEFAULT_COLUMNS, columns]
    assert event.changes["credits_field"] == [None, "CEU credits"]


def test_saving_nothing_new_writes_no_event(admin_client):
    settings = TranscriptSettings.load()
    settings.title, settings.footer = "Official transcript", "Accredited by the Board."
    settings.save()
    admin_client.post(URL, form_data(DEFAULT_COLUMNS))
    assert not AuditEvent.objects.filter(action="transcripts.settings_changed").exists()


def test_equal_positions_keep_the_page_order(admin_client):
    data = form_data(["title", "score"])
    data["position_title"] = data["position_score"] = "3"
    admin_client.post(URL, data)
    assert TranscriptSettings.load().columns == ["title", "score"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"footer": "x" * 301}, "footer"),
        ({"position_title": "0"}, "position_title"),
        ({"position_title": "-3"}, "position_title"),
        ({"position_title": "99999999999999999999"}, "position_title"),
        ({"position_title": "first"}, "position_title"),
        ({"position_title": ""}, "position_title"),
        ({"credits_field": "999999"}, "credits_field"),
        ({"credits_field": "abc"}, "credits_field"),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(admin_client, change, field):
    response = admin_client.post(URL, form_data(["title", "score"], **change))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert TranscriptSettings.load().columns == DEFAULT_COLUMNS
    assert not AuditEvent.objects.exists()


def test_a_text_field_cannot_hold_credits(admin_client):
    notes = TranscriptFieldFactory(name="Notes", kind=TranscriptField.Kind.TEXT)
    response = admin_client.post(URL, form_data(["title"], credits_field=str(notes.pk)))
    assert response.status_code == 400


def test_at_least_one_column(admin_client):
    response = admin_client.post(URL, form_data([]))
    assert response.status_code == 400
    assert "Show at least one column." in response.content.decode()


def test_support_cannot_change_settings(support_client):
    assert support_client.get(URL).status_code == 403
    assert support_client.post(URL, form_data(["title"])).status_code == 403
    assert TranscriptSettings.load().columns == DEFAULT_COLUMNS


def test_adding_a_field_shows_it_last_and_is_audited(admin_client):
    response = admin_client.post(
        URL + "fields/add/", {"name": "  CEU   credits ", "kind": "number"}
    )
    field = TranscriptField.objects.get()
    assert response.status_code == 302
    assert response.url == f"{URL}fields/{field.pk}/"
    assert field.name == "CEU credits" and field.is_number
    assert TranscriptSettings.load().columns == [*DEFAULT_COLUMNS, field.column_key]
    assert AuditEvent.objects.filter(action="transcripts.field_created").count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "kind": "number"},
        {"name": "   ", "kind": "number"},
        {"name": "x" * 61, "kind": "number"},
        {"name": "Credits", "kind": "colour"},
        {"name": "ceu CREDITS", "kind": "text"},  # a duplicate, any case
    ],
)
def test_bad_field_input_changes_nothing(admin_client, data):
    TranscriptFieldFactory(name="CEU credits")
    response = admin_client.post(URL + "fields/add/", data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert TranscriptField.objects.count() == 1


def test_setting_values_per_content(admin_client, admin_user):
    ceu = TranscriptFieldFactory(name="CEU credits")
    fire, aid, safety = (ContentFactory(title=t) for t in ("Fire Safety", "First Aid", "Zoo"))
    set_value(ceu, safety, "9")
    url = f"{URL}fields/{ceu.pk}/"
    page = admin_client.get(url).content.decode()
    assert "Fire Safety" in page and 'value="9"' in page

    response = admin_client.post(
        url, {f"value_{fire.pk}": "1.50", f"value_{aid.pk}": " 2 ", f"value_{safety.pk}": ""}
    )

    assert response.status_code == 302
    values = dict(TranscriptFieldValue.objects.values_list("content__title", "value"))
    assert values == {"Fire Safety": "1.5", "First Aid": "2"}
    event = AuditEvent.objects.get(action="transcripts.field_values_changed")
    assert event.changes["CEU credits: Zoo"] == ["9", None]
    assert event.changes["CEU credits: Fire Safety"] == [None, "1.5"]


@pytest.mark.parametrize("value", ["abc", "-1", "1e9", "NaN", "Infinity", "1" * 101, "1,5"])
def test_bad_numbers_are_refused_next_to_the_field(admin_client, value):
    ceu = TranscriptFieldFactory(name="CEU credits")
    fire, aid = ContentFactory(title="Fire Safety"), ContentFactory(title="First Aid")
    response = admin_client.post(
        f"{URL}fields/{ceu.pk}/", {f"value_{fire.pk}": "2", f"value_{aid.pk}": value}
    )
    assert response.status_code == 400
    assert f"value_{aid.pk}" in response.context["form"].errors
    assert not TranscriptFieldValue.objects.exists()
    assert not AuditEvent.objects.exists()


def test_text_fields_take_any_text(admin_client):
    body = TranscriptFieldFactory(name="Accrediting body", kind=TranscriptField.Kind.TEXT)
    fire = ContentFactory(title="Fire Safety")
    admin_client.post(f"{URL}fields/{body.pk}/", {f"value_{fire.pk}": "NFPA (US)"})
    assert TranscriptFieldValue.objects.get().value == "NFPA (US)"


def test_values_page_paginates_the_catalog(admin_client):
    ceu = TranscriptFieldFactory(name="CEU credits")
    Content.objects.bulk_create(Content(title=f"C {n:03d}", slug=f"c-{n:03d}") for n in range(60))
    page = admin_client.get(f"{URL}fields/{ceu.pk}/").content.decode()
    assert "C 049" in page and "C 050" not in page and 'rel="next"' in page


def test_unknown_field_is_404(admin_client):
    assert admin_client.get(f"{URL}fields/999999/").status_code == 404
