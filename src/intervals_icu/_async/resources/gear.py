"""Gear, components and reminders."""

from __future__ import annotations

from intervals_icu._async.resources._base import AsyncResource


class AsyncGearResource(AsyncResource):
    pass
