# Generated from src/intervals_icu/_async/resources/gear.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Gear, components and reminders."""

from __future__ import annotations

from intervals_icu._sync.resources._base import Resource


class GearResource(Resource):
    pass
