"""The hand layer of activities lives in the generated classes themselves (the generator gives
them their base), so a field typed Activity anywhere is the Activity users know."""

from __future__ import annotations

from intervals_icu import models
from intervals_icu.models import _generated


def test_the_activity_of_a_message_is_the_activity_with_its_hand_layer() -> None:
    assert models.Activity is _generated.Activity
    assert models.ActivityWithIntervals is _generated.ActivityWithIntervals
    message = models.Message.model_validate({"id": 1, "activity": {"id": "i5", "type": "Ride"}})
    assert isinstance(message.activity, models.Activity)
    assert message.activity.is_strava_stub is False
    assert issubclass(models.ActivityWithIntervals, models.ActivityBase)


def test_every_field_typed_activity_points_at_the_one_class() -> None:
    seen = 0
    for name in _generated.__all__:
        model = getattr(_generated, name)
        for field in getattr(model, "model_fields", {}).values():
            text = str(field.annotation)
            if "Activity |" in text or "[Activity]" in text:
                seen += 1
                assert "intervals_icu.models._generated.Activity" in text
    assert seen >= 2  # Message.activity, NewMessage.activity...
