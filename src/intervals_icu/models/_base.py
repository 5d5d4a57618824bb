"""The hand-written base of every generated model: tolerant reading, strict writing.

The platform adds fields and enum values without notice (API-NOTES §1.2), so reading never
fails on something new: unknown fields are kept in ``model_extra`` and unknown enum values
become pseudo-members whose ``is_known`` is False. Tests can ask for the opposite with
:func:`strict_check`, which lists everything the spec does not describe.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict

from intervals_icu.secret import is_secret_field

__all__ = ["ActivityBase", "IcuDateTime", "IcuModel", "TolerantStrEnum", "strict_check"]


class TolerantStrEnum(StrEnum):
    """A string enum that accepts values it does not know instead of raising."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        # A pseudo-member: an instance of the enum that is not added to its members, so
        # comparisons with plain strings still work and ``list(Enum)`` stays the spec's list.
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """False when the server sent a value the official spec does not list."""
        return self._name_ in type(self).__members__


_OFFSET_WITHOUT_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def _parse_server_datetime(value: Any) -> Any:
    """Accept the timestamp shapes the platform has been seen to send (API-NOTES §2.3)."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        text = _OFFSET_WITHOUT_COLON.sub(r"\1:\2", text)  # "+0000" -> "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return value  # let pydantic report it with the field name
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


IcuDateTime = Annotated[datetime, BeforeValidator(_parse_server_datetime)]
"""A server timestamp: always timezone-aware; a missing offset means UTC."""


class IcuModel(BaseModel):
    """Base of every model generated from the official spec."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        protected_namespaces=(),
    )

    def __repr_args__(self) -> Any:
        # 180-field models with mostly None values are unreadable; show what is set. Fields
        # that hold credentials (the athlete's own icu_api_key...) never print their value.
        for name, value in super().__repr_args__():
            if value is None:
                continue
            yield name, ("***" if name and is_secret_field(name) else value)

    def to_api(self) -> dict[str, Any]:
        """The JSON body for a write: only the fields that were set, by their wire names."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class ActivityBase(IcuModel):
    """An activity (all fields optional; the platform omits nulls when ``fields`` is used).

    The base of the generated ``Activity`` and ``ActivityWithIntervals``: a full activity, as
    opposed to ``StravaActivityStub`` (``is_strava_stub`` tells them apart)."""

    is_strava_stub: ClassVar[bool] = False


def strict_check(model: BaseModel, path: str = "") -> list[str]:
    """Everything in ``model`` that the official spec does not describe.

    Returns human-readable paths such as ``"Activity.icu_new_field (unknown field)"`` or
    ``"Activity.source = 'TIKTOK' (unknown enum value)"``; an empty list means the
    response matched the spec exactly. Used by ``Client(strict=True)`` and the tests.
    """
    problems: list[str] = []
    where = path or type(model).__name__
    for name in model.model_extra or {}:
        problems.append(f"{where}.{name} (unknown field)")
    for name in type(model).model_fields:
        problems.extend(_strict_check_value(getattr(model, name), f"{where}.{name}"))
    return problems


def _strict_check_value(value: Any, where: str) -> list[str]:
    if isinstance(value, BaseModel):
        return strict_check(value, where)
    if isinstance(value, TolerantStrEnum) and not value.is_known:
        return [f"{where} = {value.value!r} (unknown enum value)"]
    if isinstance(value, list):
        found: list[str] = []
        for index, item in enumerate(value):
            found.extend(_strict_check_value(item, f"{where}[{index}]"))
        return found
    return []
