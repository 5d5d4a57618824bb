# Generated from src/intervals_icu/_async/resources/sport_settings.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Sport settings: thresholds and zones per sport."""

from __future__ import annotations

from intervals_icu._sync.resources._base import Resource


class SportSettingsResource(Resource):
    pass
