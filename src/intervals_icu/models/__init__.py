"""Models of the Intervals.icu API.

Everything in :mod:`._generated` comes from the official spec (never edited by hand); this
module adds the thin hand layer: the Strava stub type, parsing helpers and strict checks.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, TypeAdapter

from intervals_icu.models._base import IcuDateTime, IcuModel, TolerantStrEnum, strict_check
from intervals_icu.models._generated import *  # noqa: F403
from intervals_icu.models._generated import Activity as _SpecActivity
from intervals_icu.models._generated import ActivityWithIntervals as _SpecActivityWithIntervals
from intervals_icu.models._generated import Hidden
from intervals_icu.models._generated import __all__ as _generated_names
from intervals_icu.models.uploads import UploadResult

__all__ = [
    *_generated_names,
    "ActivityOrStub",
    "IcuDateTime",
    "IcuModel",
    "StravaActivityStub",
    "TolerantStrEnum",
    "UploadResult",
    "is_strava_stub",
    "parse_activity",
    "parse_model",
    "strict_check",
]

STRAVA_NOTE = "STRAVA activities are not available via the API"


class Activity(_SpecActivity):  # type: ignore[no-redef]
    """An activity (all fields optional; the platform omits nulls when ``fields`` is used)."""

    is_strava_stub: ClassVar[bool] = False


class ActivityWithIntervals(_SpecActivityWithIntervals):  # type: ignore[no-redef]
    """An activity with ``icu_intervals`` and ``icu_groups`` (``intervals=True``)."""

    is_strava_stub: ClassVar[bool] = False


class StravaActivityStub(Hidden):
    """What the API returns for an activity that came from Strava: only id, athlete, date and
    source. Strava's terms forbid the platform from serving the rest (API-NOTES §2.6); these
    cannot be updated or downloaded, so they are kept as stubs, never "fixed"."""

    is_strava_stub: ClassVar[bool] = True

    @property
    def note(self) -> str | None:
        return self.field_note


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
