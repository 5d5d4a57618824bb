"""Models of the Intervals.icu API.

Everything in :mod:`._generated` comes from the official spec (never edited by hand; the
generator gives activities their hand-written base, ``_base.ActivityBase``); this module adds
the thin hand layer: the Strava stub type, parsing helpers and strict checks.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, TypeAdapter

from intervals_icu.models._base import (
    ActivityBase,
    IcuDateTime,
    IcuModel,
    TolerantStrEnum,
    strict_check,
)
from intervals_icu.models._generated import *  # noqa: F403
from intervals_icu.models._generated import Activity, ActivityWithIntervals, Hidden
from intervals_icu.models._generated import __all__ as _generated_names
from intervals_icu.models.uploads import UploadResult

__all__ = [
    *_generated_names,
    "ActivityBase",
    "ActivityOrStub",
    "IcuDateTime",
    "IcuModel",
    "SUMMARY_FIELDS",
    "StravaActivityStub",
    "TolerantStrEnum",
    "UploadResult",
    "is_strava_stub",
    "parse_activity",
    "parse_model",
    "strict_check",
]

STRAVA_NOTE = "STRAVA activities are not available via the API"


class StravaActivityStub(Hidden):
    """What the API returns for an activity that came from Strava: only id, athlete, date and
    source. Strava's terms forbid the platform from serving the rest (API-NOTES §2.6); these
    cannot be updated or downloaded, so they are kept as stubs, never "fixed".

    The summary attributes of an activity (``name``, ``type``, ``distance``...) answer None,
    so a loop over ``Activity | StravaActivityStub`` can print them without a check (see
    docs/activities.md); ``is_strava_stub`` says which is which.
    """

    is_strava_stub: ClassVar[bool] = True

    @property
    def note(self) -> str | None:
        return self.field_note

    # -- the summary of an activity, which the platform does not serve for Strava imports --

    @property
    def name(self) -> str | None:
        return None

    @property
    def type(self) -> str | None:
        return None

    @property
    def description(self) -> str | None:
        return None

    @property
    def distance(self) -> float | None:
        return None

    @property
    def moving_time(self) -> int | None:
        return None

    @property
    def elapsed_time(self) -> int | None:
        return None

    @property
    def total_elevation_gain(self) -> float | None:
        return None

    @property
    def icu_training_load(self) -> int | None:
        return None

    @property
    def icu_intensity(self) -> float | None:
        return None

    @property
    def average_heartrate(self) -> int | None:
        return None

    @property
    def max_heartrate(self) -> int | None:
        return None

    @property
    def icu_average_watts(self) -> int | None:
        return None

    @property
    def icu_weighted_avg_watts(self) -> int | None:
        return None

    @property
    def average_speed(self) -> float | None:
        return None

    @property
    def calories(self) -> int | None:
        return None

    @property
    def trainer(self) -> bool | None:
        return None

    @property
    def commute(self) -> bool | None:
        return None

    @property
    def race(self) -> bool | None:
        return None


SUMMARY_FIELDS = tuple(name for name, value in vars(StravaActivityStub).items()
                       if isinstance(value, property) and name != "note")
"""The activity fields a Strava stub answers with None."""


ActivityOrStub = Activity | ActivityWithIntervals | StravaActivityStub


def is_strava_stub(data: dict[str, Any]) -> bool:
    """A raw activity dict is a Strava stub: source STRAVA with the platform's note, or only
    the stub's few keys."""
    if data.get("source") != "STRAVA":
        return False
    return "_note" in data or set(data) <= {"id", "icu_athlete_id", "start_date_local", "source"}


def parse_activity(data: dict[str, Any]) -> Activity | ActivityWithIntervals | StravaActivityStub:
    if is_strava_stub(data):
        return StravaActivityStub.model_validate(data)
    if "icu_intervals" in data or "icu_groups" in data:
        return ActivityWithIntervals.model_validate(data)
    return Activity.model_validate(data)


M = TypeVar("M", bound=BaseModel)


@functools.cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def parse_model(tp: Any, data: Any) -> Any:
    """Validate ``data`` as ``tp`` (a model, ``list[Model]``...), with a cached adapter."""
    return _adapter(tp).validate_python(data)
