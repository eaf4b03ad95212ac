import random

import pytest

from tests.transcripts.factories import ContentFactory
from transcripts import demo
from transcripts.models import TranscriptField, TranscriptFieldValue, TranscriptSettings

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent():
    ContentFactory.create_batch(3)
    lines = []
    demo.seed(rng=random.Random(7), log=lines.append)
    demo.seed(rng=random.Random(7), log=lines.append)

    ceu = TranscriptField.objects.get(name="CEU credits")
    settings = TranscriptSettings.load()
    assert settings.credits_field == ceu and "credits" in settings.columns
    assert settings.title == "Official Transcript"
    assert TranscriptFieldValue.objects.filter(field=ceu).count() == 3
    assert TranscriptField.objects.count() == 1
    assert lines[-1].endswith("on 0 more content items")


def test_demo_transcripts_show_the_schools_reference_fields():
    from users.models import ProfileField

    ProfileField.objects.create(kind="reference", key="employee-id", label="Employee ID")
    ProfileField.objects.create(kind="survey", key="goal", label="Goal")
    demo.seed(rng=random.Random(7), log=lambda line: None)
    assert TranscriptSettings.load().learner_fields == ["employee-id"]
